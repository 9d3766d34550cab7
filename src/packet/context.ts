import { Defragmenter, type DefragmentLimits } from './defragment.ts';
import {
  DecodeStatus,
  type DecodeStatusName,
  decodeStatusNames,
  type MalformedReason,
  type TruncatedHeader,
} from './status.ts';

/** Counts of what the decoder met, for inspect's anomaly summary. */
export interface DecodeSummary {
  statuses: Record<DecodeStatusName, number>;
  /** Non-TCP packets by IP protocol number (IPv6: the upper-layer header after extension headers). */
  notTcpByProtocol: Record<number, number>;
  truncated: Partial<Record<TruncatedHeader, number>>;
  malformed: Partial<Record<MalformedReason, number>>;
  /** TCP segments whose options were cut by the snap length (decoded as TCP, options unavailable). */
  tcpOptionsCut: number;
  ipLengthBeyondFrame: number;
  /** IPv6 fragment headers with offset 0 and M=0 (RFC 6946), skipped like any extension header. */
  ipv6AtomicFragments: number;
  /** Fragments seen (`seen`, TCP or not) and what reassembly did with the TCP ones. */
  fragments: Defragmenter['stats'] & { seen: number };
}

/**
 * The decoder's state across packets of one capture: counters, the reason for the last rejection
 * and the defragmenter. One per capture being read.
 */
export class DecodeContext {
  readonly defragmenter: Defragmenter;
  readonly statusCounts = new Float64Array(decodeStatusNames.length);
  readonly notTcpByProtocol = new Float64Array(256);
  readonly truncatedBy: Partial<Record<TruncatedHeader, number>> = {};
  readonly malformedBy: Partial<Record<MalformedReason, number>> = {};
  tcpOptionsCut = 0;
  /** The record being decoded says it holds the whole frame (original length = captured length). */
  frameWhole = false;
  /** Whole frames whose IP length claimed bytes past the frame's end: taken as ending with the frame. */
  ipLengthBeyondFrame = 0;
  fragmentsSeen = 0;
  ipv6AtomicFragments = 0;
  /** Details of the last packet that was TRUNCATED, MALFORMED or NOT_TCP. */
  lastTruncated: TruncatedHeader | null = null;
  lastMalformed: MalformedReason | null = null;
  lastProtocol = -1;

  constructor(limits?: Partial<DefragmentLimits>) {
    this.defragmenter = new Defragmenter(limits);
  }

  truncated(header: TruncatedHeader): DecodeStatus {
    this.lastTruncated = header;
    this.truncatedBy[header] = (this.truncatedBy[header] ?? 0) + 1;
    return DecodeStatus.TRUNCATED;
  }

  malformed(reason: MalformedReason): DecodeStatus {
    this.lastMalformed = reason;
    this.malformedBy[reason] = (this.malformedBy[reason] ?? 0) + 1;
    return DecodeStatus.MALFORMED;
  }

  notTcp(protocol: number): DecodeStatus {
    this.lastProtocol = protocol;
    this.notTcpByProtocol[protocol]++;
    return DecodeStatus.NOT_TCP;
  }

  summary(): DecodeSummary {
    const statuses = {} as Record<DecodeStatusName, number>;
    decodeStatusNames.forEach((name, status) => {
      statuses[name] = this.statusCounts[status];
    });
    const notTcpByProtocol: Record<number, number> = {};
    this.notTcpByProtocol.forEach((count, protocol) => {
      if (count > 0) notTcpByProtocol[protocol] = count;
    });
    return {
      statuses,
      notTcpByProtocol,
      truncated: { ...this.truncatedBy },
      malformed: { ...this.malformedBy },
      tcpOptionsCut: this.tcpOptionsCut,
      ipLengthBeyondFrame: this.ipLengthBeyondFrame,
      ipv6AtomicFragments: this.ipv6AtomicFragments,
      fragments: { seen: this.fragmentsSeen, ...this.defragmenter.stats },
    };
  }
}
