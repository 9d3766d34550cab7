import { PCAP_MAX_SNAPLEN } from '../capture/limits.ts';
import { DEFAULT_BUFFER_SIZE, MAX_BUFFER_KIB } from '../capture/live.ts';
import { integerInRange, positiveNumber } from '../cli/parse.ts';
import { UserError } from '../util/user-error.ts';
import { defaultRecordingPath } from './file-names.ts';
import type { RecorderOptions } from './recorder.ts';

/** The smallest snap length that keeps a link header and the IPv4 and TCP headers (tcpdump's old default). */
const MIN_SNAP_LENGTH = 96;
const MANY = Number.MAX_SAFE_INTEGER;

/** The flags of `reprise record` as commander hands them over (strings, tcpdump's units). */
export interface RecordFlags {
  interface?: string;
  filter?: string;
  write?: string;
  snaplen?: string;
  count?: string;
  duration?: string;
  fileSize?: string;
  fileCount?: string;
  bufferSize?: string;
  nano?: boolean;
}

export const DEFAULT_DEVICE = 'any';
/** tcpdump's default: whole packets. */
export const DEFAULT_SNAP_LENGTH = PCAP_MAX_SNAPLEN;

/** Checks the flags and turns them into recorder options; bad input is a UserError naming the flag. */
export function resolveRecordOptions(
  flags: RecordFlags,
  filterWords: string[],
  start: Date,
): RecorderOptions {
  if (flags.filter !== undefined && filterWords.length > 0) {
    throw new UserError(
      `give the filter either with -f or as trailing arguments, not both (got -f '${flags.filter}' and '${filterWords.join(' ')}')`,
    );
  }
  const device = flags.interface ?? DEFAULT_DEVICE;
  const filter = flags.filter ?? filterWords.join(' ');
  const output = flags.write ?? defaultRecordingPath(device, filter, start);
  const snapLength =
    flags.snaplen === undefined ? DEFAULT_SNAP_LENGTH : integerInRange('-s', flags.snaplen, 0, MANY);
  if (snapLength !== 0 && snapLength < MIN_SNAP_LENGTH) {
    // Below this the file has no TCP header to replay, and libpcap may hold such packets unread.
    throw new UserError(
      `-s needs 0 (whole packets) or at least ${MIN_SNAP_LENGTH} bytes, to keep the link, IP and TCP headers; got '${flags.snaplen}'`,
    );
  }
  if (/\.(gz|gzip|tgz)$/i.test(output)) {
    throw new UserError(
      `-w ${output}: record writes uncompressed pcap; name it .pcap and gzip it afterwards`,
    );
  }
  if (/\.pcapng$/i.test(output)) {
    throw new UserError(`-w ${output}: record writes pcap, not pcapng; name it .pcap`);
  }
  const rotateBytes = flags.fileSize === undefined ? undefined : fileSizeBytes(flags.fileSize);
  const ringFiles =
    flags.fileCount === undefined ? undefined : integerInRange('-W', flags.fileCount, 1, MANY);
  if (ringFiles !== undefined && rotateBytes === undefined) {
    throw new UserError('-W (files kept) needs -C (file size in MB) to rotate files');
  }
  if (rotateBytes !== undefined && output === '-')
    throw new UserError('-C (rotation) cannot be used with -w - (stdout)');
  return {
    device,
    filter,
    output,
    // As tcpdump does: 0, or more than a pcap file can hold, means whole packets.
    snapLength: snapLength === 0 || snapLength > PCAP_MAX_SNAPLEN ? DEFAULT_SNAP_LENGTH : snapLength,
    bufferSize:
      flags.bufferSize === undefined
        ? DEFAULT_BUFFER_SIZE
        : integerInRange('-B', flags.bufferSize, 1, MAX_BUFFER_KIB) * 1024,
    nanosecond: flags.nano ?? false,
    count: flags.count === undefined ? undefined : integerInRange('-c', flags.count, 1, MANY),
    durationMs:
      flags.duration === undefined ? undefined : positiveNumber('-G/--duration', flags.duration) * 1000,
    rotateBytes,
    ringFiles,
  };
}

/** -C in MB (10^6 bytes), as a whole number of bytes: a size that rounds to no byte at all is refused. */
function fileSizeBytes(text: string): number {
  const bytes = Math.round(positiveNumber('-C', text) * 1e6);
  if (bytes < 1) throw new UserError(`-C needs at least one byte (0.000001 MB), got '${text}'`);
  return bytes;
}
