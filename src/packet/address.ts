/** Dotted-quad text of an IPv4 address held as an unsigned 32-bit integer. */
export function formatIpv4(address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}`;
}

/** RFC 5952 text of a 16-byte IPv6 address: lowercase, longest zero run as "::", mapped IPv4 dotted. */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

function invalid(kind: string, text: string, why: string): Error {
  return new Error(`invalid ${kind} address "${text}": ${why}`);
}

/** Parses dotted-quad IPv4 text (no leading zeros, which some tools read as octal). */
export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw invalid('IPv4', text, 'expected four dot-separated numbers');
  let address = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) throw invalid('IPv4', text, `"${part}" is not a number 0-255`);
    const value = Number(part);
    if (value > 255) throw invalid('IPv4', text, `${value} is above 255`);
    address = address * 256 + value;
  }
  return address;
}

function parseGroups(text: string, part: string, allowIpv4Tail: boolean): number[] {
  if (part === '') return [];
  const groups: number[] = [];
  const pieces = part.split(':');
  pieces.forEach((piece, i) => {
    if (allowIpv4Tail && i === pieces.length - 1 && piece.includes('.')) {
      const v4 = parseIpv4(piece);
      groups.push(v4 >>> 16, v4 & 0xffff);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
      groups.push(Number.parseInt(piece, 16));
    } else {
      throw invalid('IPv6', text, `"${piece}" is not a group of 1-4 hex digits`);
    }
  });
  return groups;
}

/** Parses IPv6 text (with "::" and an optional dotted IPv4 tail) into 16 bytes. */
export function parseIpv6(text: string): Uint8Array {
  const halves = text.split('::');
  if (halves.length > 2) throw invalid('IPv6', text, '"::" appears more than once');
  const head = parseGroups(text, halves[0], halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(text, halves[1], true) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 && missing !== 0) throw invalid('IPv6', text, 'expected eight groups');
  if (halves.length === 2 && missing < 1) throw invalid('IPv6', text, 'too many groups around "::"');
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >>> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

/** "10.0.0.1:80" or "[2001:db8::1]:80", from address text. */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** "10.0.0.1:80" or "[2001:db8::1]:80", from a decoded address. */
export function endpointText(ip: number | Uint8Array, port: number): string {
  return hostPort(typeof ip === 'number' ? formatIpv4(ip) : formatIpv6(ip), port);
}
