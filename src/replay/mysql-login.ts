/**
 * A MySQL/MariaDB client's login (HandshakeResponse41): the answer to the server's greeting, whose
 * auth data is scrambled with that greeting's salt. Only the connection that greeted can take it,
 * and a command after it cannot open a connection of its own: a new one greets with a new salt
 * and reads its first packet as a login.
 */

const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SECURE_CONNECTION = 0x8000;
/** Packet header (4) + capabilities (4) + max packet size (4) + charset (1) + filler (23). */
const FIXED_PART = 36;

export function startsWithMysqlLogin(data: Uint8Array): boolean {
  if (data.length < FIXED_PART) return false;
  const payloadLength = data[0] | (data[1] << 8) | (data[2] << 16);
  const sequenceId = data[3];
  const capabilities = data[4] | (data[5] << 8);
  const filler = data.subarray(13, FIXED_PART);
  return (
    sequenceId === 1 &&
    payloadLength + 4 <= data.length &&
    (capabilities & CLIENT_PROTOCOL_41) !== 0 &&
    (capabilities & CLIENT_SECURE_CONNECTION) !== 0 &&
    filler.every((byte, i) => byte === 0 || i >= 19) // MariaDB keeps its extended capabilities in the last 4
  );
}
