import { u16, u32 } from './bytes.ts';
import type { PacketView, TcpOptions } from './view.ts';

export const TcpOptionKind = {
  END: 0,
  NOP: 1,
  MSS: 2,
  WINDOW_SCALE: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMPS: 8,
} as const;

/**
 * Parses the TCP options in buf[offset, offset + length). Unknown kinds are skipped by their
 * length; an option with a wrong length for its kind is ignored; a length that is below 2 or runs
 * past the end stops the parse, keeping what was read before.
 */
export function parseTcpOptions(buf: Uint8Array, offset: number, length: number): TcpOptions {
  const options: TcpOptions = {};
  const end = Math.min(offset + length, buf.length);
  let p = offset;
  while (p < end) {
    const kind = buf[p];
    if (kind === TcpOptionKind.END) break;
    if (kind === TcpOptionKind.NOP) {
      p++;
      continue;
    }
    if (p + 2 > end) break;
    const size = buf[p + 1];
    if (size < 2 || p + size > end) break;
    readOption(buf, p, kind, size, options);
    p += size;
  }
  return options;
}

function readOption(buf: Uint8Array, p: number, kind: number, size: number, options: TcpOptions): void {
  switch (kind) {
    case TcpOptionKind.MSS:
      if (size === 4) options.mss = u16(buf, p + 2);
      break;
    case TcpOptionKind.WINDOW_SCALE:
      if (size === 3) options.windowScale = buf[p + 2];
      break;
    case TcpOptionKind.SACK_PERMITTED:
      if (size === 2) options.sackPermitted = true;
      break;
    case TcpOptionKind.SACK:
      if ((size - 2) % 8 === 0 && size > 2) {
        const blocks: Array<[number, number]> = [];
        for (let b = p + 2; b < p + size; b += 8) blocks.push([u32(buf, b), u32(buf, b + 4)]);
        options.sack = blocks;
      }
      break;
    case TcpOptionKind.TIMESTAMPS:
      if (size === 10) {
        options.tsVal = u32(buf, p + 2);
        options.tsEcr = u32(buf, p + 6);
      }
      break;
  }
}

/** The options of the decoded segment in `view`; empty when the snap length cut them. */
export function tcpOptionsOf(view: PacketView): TcpOptions {
  const optionsOffset = view.tcpOffset + 20;
  const optionsEnd = view.tcpOffset + view.tcpHeaderLength;
  if (view.payloadOffset < optionsEnd) return {};
  return parseTcpOptions(view.buf, optionsOffset, optionsEnd - optionsOffset);
}
