/**
 * An SMB client's first message: a NEGOTIATE (SMB2/3, or SMB1 offering its dialects) behind the
 * NetBIOS session header (RFC 1002) that SMB over TCP keeps. What follows it (session setup, tree
 * connect, file operations) carries the session and tree IDs the target gave that connection: a
 * new connection does not know them, and a command cannot open one of its own.
 */

/** NetBIOS session header (4) + SMB2 header (64); an SMB1 header is shorter (32). */
const NETBIOS_HEADER = 4;
const SMB1_HEADER = 32;
const SMB1_NEGOTIATE = 0x72;
const SMB2_NEGOTIATE = 0x0000;

export function startsWithSmbNegotiate(data: Uint8Array): boolean {
  if (data.length < NETBIOS_HEADER + SMB1_HEADER || data[0] !== 0x00) return false;
  const s = NETBIOS_HEADER;
  const smb = data[s + 1] === 0x53 && data[s + 2] === 0x4d && data[s + 3] === 0x42; // "SMB"
  if (!smb) return false;
  if (data[s] === 0xff) return data[s + 4] === SMB1_NEGOTIATE;
  return data[s] === 0xfe && (data[s + 12] | (data[s + 13] << 8)) === SMB2_NEGOTIATE;
}
