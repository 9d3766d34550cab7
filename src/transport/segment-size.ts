/**
 * tcpcopy's `-M` (MTU toward the target) and `-D` (MSS announced and cut to): their ranges, the
 * rule that the MSS fits the MTU, and the segment size the two give the raw transport.
 */
import { UserError } from '../util/user-error.ts';

export const MTU_LIMITS = { min: 576, max: 65535 } as const;
export const MSS_LIMITS = { min: 64, max: 65495 } as const;
/** IPv4 and TCP headers without options: the raw transport sends IPv4 only, so IPv6's 60 never applies. */
const IPV4_TCP_HEADER_BYTES = 40;

/** Throws a UserError naming the flag when a value is out of its range, or the MSS does not fit the MTU. */
export function checkSegmentSizes(mtu: number | undefined, mss: number | undefined): void {
  checkRange('-M', mtu, MTU_LIMITS);
  checkRange('-D', mss, MSS_LIMITS);
  if (mtu !== undefined && mss !== undefined && mss > mtu - IPV4_TCP_HEADER_BYTES) {
    const most = mtu - IPV4_TCP_HEADER_BYTES;
    throw new UserError(`-D ${mss} with -M ${mtu}: the MSS must be at most the MTU minus 40 (${most})`);
  }
}

/** What requests are cut to: the MSS, or the MTU less the headers; undefined: as captured. */
export function segmentSize(mtu: number | undefined, mss: number | undefined): number | undefined {
  return mss ?? (mtu !== undefined ? mtu - IPV4_TCP_HEADER_BYTES : undefined);
}

function checkRange(flag: string, value: number | undefined, limits: { min: number; max: number }): void {
  if (value === undefined || (Number.isInteger(value) && value >= limits.min && value <= limits.max)) return;
  throw new UserError(`${flag}: '${value}' is not a whole number from ${limits.min} to ${limits.max}`);
}
