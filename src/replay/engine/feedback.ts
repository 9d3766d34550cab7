/**
 * Decodes one intercept record (64 bytes: the target packet's IPv4 header, its TCP header, then up
 * to 24 bytes of TCP options, zero-padded; big-endian) into the header the session engine takes.
 * Pure and length-checked: a record that cannot be a TCP/IPv4 header is an error naming the field.
 */
import { RECORD_IP_SIZE, RECORD_SIZE, RECORD_TCP_MAX, RECORD_TCP_SIZE } from '../../intercept/wire.ts';
import { u16, u32 } from '../../packet/bytes.ts';
import { parseTcpOptions } from '../../packet/tcp-options.ts';
import type { FeedbackRecord } from './types.ts';

const TCP_AT = RECORD_IP_SIZE;
const OPTIONS_AT = RECORD_IP_SIZE + RECORD_TCP_SIZE;
const IPPROTO_TCP = 6;

export class FeedbackRecordError extends Error {
  override name = 'FeedbackRecordError';
}

/** Decodes the record at `buf[offset, offset + 64)`. */
export function decodeFeedbackRecord(buf: Uint8Array, offset = 0): FeedbackRecord {
  if (offset < 0 || buf.length - offset < RECORD_SIZE) {
    throw new FeedbackRecordError(
      `feedback record: need ${RECORD_SIZE} bytes at offset ${offset}, have ${Math.max(0, buf.length - offset)}`,
    );
  }
  const r = buf.subarray(offset, offset + RECORD_SIZE);
  const version = r[0] >> 4;
  if (version !== 4) throw new FeedbackRecordError(`feedback record: IP version ${version}, expected 4`);
  const ipHeaderLength = (r[0] & 0x0f) * 4;
  if (ipHeaderLength < RECORD_IP_SIZE) {
    throw new FeedbackRecordError(`feedback record: IP header length ${ipHeaderLength} is below 20`);
  }
  if (r[9] !== IPPROTO_TCP)
    throw new FeedbackRecordError(`feedback record: IP protocol ${r[9]}, expected 6 (TCP)`);
  const tcpHeaderLength = (r[TCP_AT + 12] >> 4) * 4;
  if (tcpHeaderLength < RECORD_TCP_SIZE) {
    throw new FeedbackRecordError(`feedback record: TCP header length ${tcpHeaderLength} is below 20`);
  }
  const totalLength = u16(r, 2);
  // intercept 1.0 forwards IP options' IHL unchanged although only 20 IP bytes travel: the
  // captured header length is still what the total length counts.
  const payloadLength = totalLength - ipHeaderLength - tcpHeaderLength;
  if (payloadLength < 0) {
    throw new FeedbackRecordError(
      `feedback record: IP total length ${totalLength} is shorter than its headers (${ipHeaderLength} + ${tcpHeaderLength})`,
    );
  }
  const optionsLength = Math.min(tcpHeaderLength, RECORD_TCP_MAX) - RECORD_TCP_SIZE;
  return {
    srcIp: u32(r, 12),
    dstIp: u32(r, 16),
    srcPort: u16(r, TCP_AT),
    dstPort: u16(r, TCP_AT + 2),
    seq: u32(r, TCP_AT + 4),
    ack: u32(r, TCP_AT + 8),
    flags: r[TCP_AT + 13],
    window: u16(r, TCP_AT + 14),
    payloadLength,
    options: parseTcpOptions(r, OPTIONS_AT, optionsLength),
  };
}
