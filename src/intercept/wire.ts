/**
 * The tcpcopy 1.x / intercept 1.0 wire protocol (all integers big-endian, structs packed).
 *
 * Replayer → intercept: 14-byte messages `u32 client_ip, u16 client_port, u16 type, u32 target_ip,
 * u16 target_port`. The first one is a hello (client ip and port zero, type = protocol version).
 * Intercept → replayer: frames `u16 count` + `count` records of 64 bytes (IPv4 header, TCP header,
 * up to 24 bytes of TCP options), at most 16 records a frame.
 *
 * Leniency follows the C programs where that is harmless: intercept 1.0 logs and skips unknown
 * message types, tcpcopy accepts a frame of 0 records. It is strict where leniency would be
 * dangerous: a hello from an older protocol (non-zero address: 8-byte messages), a version whose
 * message layout we do not know, and a frame count above 16 (tcpcopy closes the link too).
 */

export const DEFAULT_INTERCEPT_PORT = 36524;
export const CLIENT_MESSAGE_SIZE = 14;
/** intercept 1.0 reads the hello as this many bytes, then the rest of the 14. */
export const HELLO_HEAD_SIZE = 8;
export const RECORD_SIZE = 64;
export const RECORD_IP_SIZE = 20;
export const RECORD_TCP_SIZE = 20;
/** TCP header bytes a record carries: the fixed header and at most 24 bytes of options. */
export const RECORD_TCP_MAX = RECORD_TCP_SIZE + 24;
export const MAX_RECORDS_PER_FRAME = 16;
export const FRAME_HEADER_SIZE = 2;
export const MAX_FRAME_SIZE = FRAME_HEADER_SIZE + MAX_RECORDS_PER_FRAME * RECORD_SIZE;

/** The version reprise sends. */
export const PROTOCOL_VERSION = 6;
/**
 * Versions whose messages have the 14-byte layout above: 5 (intercept 1.0's own) and 6, each also
 * with bit 15 set (the C programs' "advanced", pcap-capturing build).
 */
const ADVANCED_BIT = 0x8000;
const COMPATIBLE_VERSIONS: ReadonlySet<number> = new Set([5, 6]);

function isCompatibleVersion(version: number): boolean {
  return COMPATIBLE_VERSIONS.has(version & ~ADVANCED_BIT);
}

export const MessageType = { ADD: 1, DEL: 2 } as const;

/** A session the replayer is about to open: responses from target to client go to this replayer. */
export interface Route {
  /** IPv4 addresses as unsigned 32-bit integers. */
  clientIp: number;
  clientPort: number;
  targetIp: number;
  targetPort: number;
}

export type ClientMessage =
  | { kind: 'hello'; version: number }
  | ({ kind: 'add' } & Route)
  | ({ kind: 'del' } & Route)
  | ({ kind: 'unknown'; type: number } & Route);

export type WireProblem = 'old-protocol-hello' | 'incompatible-version' | 'frame-count-too-large';

/** Input that breaks the protocol; the connection it came from should be closed. */
export class WireError extends Error {
  constructor(
    readonly problem: WireProblem,
    message: string,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

export function encodeClientMessage(type: number, route: Route): Buffer {
  const out = Buffer.allocUnsafe(CLIENT_MESSAGE_SIZE);
  writeClientMessage(type, route, out, 0);
  return out;
}

/** Writes one 14-byte client message into `out` at `at` (batches of messages share a buffer). */
export function writeClientMessage(type: number, route: Route, out: Buffer, at: number): void {
  out.writeUInt32BE(route.clientIp >>> 0, at);
  out.writeUInt16BE(route.clientPort, at + 4);
  out.writeUInt16BE(type, at + 6);
  out.writeUInt32BE(route.targetIp >>> 0, at + 8);
  out.writeUInt16BE(route.targetPort, at + 12);
}

export function encodeHello(version = PROTOCOL_VERSION): Buffer {
  return encodeClientMessage(version, { clientIp: 0, clientPort: 0, targetIp: 0, targetPort: 0 });
}

/**
 * Streaming decoder for the replayer → intercept direction: feed bytes in any pieces, get whole
 * messages. The first message must be a hello; it is checked as soon as its first 8 bytes are in,
 * as intercept 1.0 does, so that an old or foreign peer is refused early.
 */
export class ClientMessageDecoder {
  private readonly pending = Buffer.alloc(CLIENT_MESSAGE_SIZE);
  private filled = 0;
  private helloSeen = false;
  private helloChecked = false;

  /** Decodes what `chunk` completes; throws WireError on a protocol violation. */
  push(chunk: Uint8Array): ClientMessage[] {
    const out: ClientMessage[] = [];
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(CLIENT_MESSAGE_SIZE - this.filled, chunk.length - at);
      this.pending.set(chunk.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (!this.helloChecked && this.filled >= HELLO_HEAD_SIZE) this.checkHelloHead();
      if (this.filled === CLIENT_MESSAGE_SIZE) {
        out.push(this.decodePending());
        this.filled = 0;
      }
    }
    return out;
  }

  /** Bytes of an incomplete message waiting for the rest. */
  get buffered(): number {
    return this.filled;
  }

  get sawHello(): boolean {
    return this.helloSeen;
  }

  private checkHelloHead(): void {
    this.helloChecked = true;
    const clientIp = this.pending.readUInt32BE(0);
    const clientPort = this.pending.readUInt16BE(4);
    const version = this.pending.readUInt16BE(6);
    if (clientIp !== 0 || clientPort !== 0) {
      throw new WireError(
        'old-protocol-hello',
        'first message is not a hello (non-zero client address): a tcpcopy older than 1.0, or not tcpcopy at all',
      );
    }
    if (!isCompatibleVersion(version)) {
      throw new WireError(
        'incompatible-version',
        `hello announces protocol version ${version}; reprise intercept speaks ${PROTOCOL_VERSION} (and 5)`,
      );
    }
  }

  private decodePending(): ClientMessage {
    const p = this.pending;
    const type = p.readUInt16BE(6);
    if (!this.helloSeen) {
      this.helloSeen = true;
      return { kind: 'hello', version: type };
    }
    const route: Route = {
      clientIp: p.readUInt32BE(0),
      clientPort: p.readUInt16BE(4),
      targetIp: p.readUInt32BE(8),
      targetPort: p.readUInt16BE(12),
    };
    if (type === MessageType.ADD) return { kind: 'add', ...route };
    if (type === MessageType.DEL) return { kind: 'del', ...route };
    return { kind: 'unknown', type, ...route };
  }
}

/**
 * Collects 64-byte records into frames of at most 16. `add` returns a frame when one fills up;
 * `flush` returns the partial frame (or undefined when empty). Frames are fresh buffers the
 * caller may keep (they are usually handed to a socket write).
 */
export class FrameEncoder {
  private frame = Buffer.allocUnsafe(MAX_FRAME_SIZE);
  private count = 0;

  /** Copies a 64-byte record into the current frame. */
  add(record: Uint8Array): Buffer | undefined {
    if (record.length !== RECORD_SIZE) {
      throw new RangeError(`a response record is ${RECORD_SIZE} bytes, got ${record.length}`);
    }
    this.frame.set(record, FRAME_HEADER_SIZE + this.count * RECORD_SIZE);
    this.count++;
    return this.count === MAX_RECORDS_PER_FRAME ? this.flush() : undefined;
  }

  flush(): Buffer | undefined {
    if (this.count === 0) return undefined;
    const size = FRAME_HEADER_SIZE + this.count * RECORD_SIZE;
    const done = this.count === MAX_RECORDS_PER_FRAME ? this.frame : this.frame.subarray(0, size);
    done.writeUInt16BE(this.count, 0);
    this.frame = Buffer.allocUnsafe(MAX_FRAME_SIZE);
    this.count = 0;
    return done;
  }

  get pendingRecords(): number {
    return this.count;
  }
}

/** Builds one frame from up to 16 records (tests and tools). */
export function encodeFrame(records: readonly Uint8Array[]): Buffer {
  if (records.length > MAX_RECORDS_PER_FRAME) {
    throw new RangeError(`a frame holds at most ${MAX_RECORDS_PER_FRAME} records, got ${records.length}`);
  }
  const out = Buffer.alloc(FRAME_HEADER_SIZE + records.length * RECORD_SIZE);
  out.writeUInt16BE(records.length, 0);
  records.forEach((r, i) => {
    if (r.length !== RECORD_SIZE)
      throw new RangeError(`record ${i} is ${r.length} bytes, not ${RECORD_SIZE}`);
    out.set(r, FRAME_HEADER_SIZE + i * RECORD_SIZE);
  });
  return out;
}

/**
 * Streaming decoder for the intercept → replayer direction. Yields each record as a 64-byte
 * Buffer that stays valid (a view into the pushed chunk when the record lies within one chunk,
 * a copy when it spans chunks): the decoder never reuses memory it handed out.
 * A frame of 0 records is accepted and yields nothing (tcpcopy does the same).
 */
export class FrameDecoder {
  private carry: Buffer = Buffer.alloc(0);
  /** Records still expected in the current frame; -1 while waiting for a frame header. */
  private remaining = -1;

  push(chunk: Buffer): Buffer[] {
    const records: Buffer[] = [];
    let buf = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    let at = 0;
    for (;;) {
      if (this.remaining < 0) {
        if (buf.length - at < FRAME_HEADER_SIZE) break;
        const count = buf.readUInt16BE(at);
        if (count > MAX_RECORDS_PER_FRAME) {
          this.carry = Buffer.alloc(0);
          throw new WireError(
            'frame-count-too-large',
            `frame announces ${count} records; at most ${MAX_RECORDS_PER_FRAME} are allowed`,
          );
        }
        at += FRAME_HEADER_SIZE;
        this.remaining = count;
      }
      while (this.remaining > 0 && buf.length - at >= RECORD_SIZE) {
        records.push(buf.subarray(at, at + RECORD_SIZE));
        at += RECORD_SIZE;
        this.remaining--;
      }
      if (this.remaining > 0) break;
      this.remaining = -1;
    }
    buf = buf.subarray(at);
    // Keep the tail in its own small buffer so a large chunk is not pinned by a few bytes.
    this.carry = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
    return records;
  }

  /** Bytes received that do not yet form a whole record or frame header. */
  get buffered(): number {
    return this.carry.length;
  }
}
