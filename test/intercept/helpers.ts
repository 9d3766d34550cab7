// Test seams for the intercept: a packet source the test feeds (instead of libpcap: the server
// takes any ResponseSource, and this one is the legitimate seam that lets loopback tests inject
// captured frames without root), and a raw replayer that speaks the wire protocol byte by byte.
import { connect, type Socket } from 'node:net';
import { type CaptureRecord, LinkType } from '../../src/capture/record.ts';
import type { ResponseSource } from '../../src/intercept/response-source.ts';
import { InterceptServer, type InterceptServerOptions } from '../../src/intercept/server.ts';
import {
  encodeClientMessage,
  encodeHello,
  FrameDecoder,
  MessageType,
  type Route,
} from '../../src/intercept/wire.ts';
import { encodeIpv4Tcp, parseIpv4, TcpFlag } from '../../src/packet/index.ts';

export const TARGET = parseIpv4('10.77.0.2');
export const TARGET_PORT = 8080;
export const CLIENT = parseIpv4('10.78.0.5');

export function routeFor(clientPort: number, clientIp = CLIENT): Route {
  return { clientIp, clientPort, targetIp: TARGET, targetPort: TARGET_PORT };
}

export class InjectedSource implements ResponseSource {
  readonly device = 'test';
  readonly filter = 'injected';
  private onPacket: ((record: CaptureRecord) => void) | undefined;
  private onFailure: ((error: Error) => void) | undefined;
  private readonly record: CaptureRecord = {
    index: 0,
    fileOffset: -1,
    linkType: LinkType.RAW,
    interfaceId: 0,
    tsSec: 0,
    tsNsec: 0,
    capturedLength: 0,
    originalLength: 0,
    buf: Buffer.alloc(0),
    offset: 0,
  };

  start(onPacket: (record: CaptureRecord) => void, onFailure: (error: Error) => void): void {
    this.onPacket = onPacket;
    this.onFailure = onFailure;
  }

  stop(): void {
    this.onPacket = undefined;
    this.onFailure = undefined;
  }

  /** Dies as a live capture does when its device goes away. */
  fail(error: Error): void {
    const onFailure = this.onFailure;
    this.stop();
    onFailure?.(error);
  }

  /** Delivers one captured frame, as libpcap would (the buffer is reused afterwards). */
  emit(frame: Buffer, linkType: number = LinkType.RAW): void {
    const r = this.record;
    r.linkType = linkType;
    r.buf = frame;
    r.capturedLength = frame.length;
    r.originalLength = frame.length;
    this.onPacket?.(r);
    frame.fill(0xee); // the next packet would overwrite it: nothing may keep a reference
  }
}

/** A packet from the target to the replayed client (a response). */
export function response(
  clientPort: number,
  flags: number,
  seq = 1000,
  payload = 0,
  clientIp = CLIENT,
): Buffer {
  return encodeIpv4Tcp({
    src: TARGET,
    dst: clientIp,
    srcPort: TARGET_PORT,
    dstPort: clientPort,
    seq,
    ack: 5000,
    flags,
    window: 65535,
    payload: Buffer.alloc(payload, 0x61),
    ...(flags & TcpFlag.SYN ? { options: { mss: 1460, sackPermitted: true, windowScale: 7 } } : {}),
  });
}

export async function startServer(
  source: InjectedSource,
  extra: Partial<InterceptServerOptions> = {},
): Promise<{ server: InterceptServer; port: number; logs: string[] }> {
  const logs: string[] = [];
  const server = await InterceptServer.start({
    host: '127.0.0.1',
    port: 0,
    source,
    log: (line) => logs.push(line),
    ...extra,
  });
  return { server, port: server.address().port, logs };
}

/** A replayer written against the wire format directly (no reprise client code). */
export class RawReplayer {
  readonly records: Buffer[] = [];
  readonly frameSizes: number[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (chunk.length >= 2) this.frameSizes.push(chunk.readUInt16BE(0));
      this.records.push(...this.decoder.push(chunk));
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static async connect(port: number, hello = true): Promise<RawReplayer> {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const replayer = new RawReplayer(socket);
    if (hello) socket.write(encodeHello());
    return replayer;
  }

  add(route: Route): void {
    this.socket.write(encodeClientMessage(MessageType.ADD, route));
  }

  close(): void {
    this.socket.destroy();
  }
}

export async function waitFor(what: string, test: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets the server process what the sockets carried (ADDs in flight). */
export function settle(ms = 30): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface RecordFields {
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  flags: number;
  totalLength: number;
  dataOffset: number;
}

export function fieldsOf(record: Buffer): RecordFields {
  return {
    src: record.readUInt32BE(12),
    dst: record.readUInt32BE(16),
    srcPort: record.readUInt16BE(20),
    dstPort: record.readUInt16BE(22),
    seq: record.readUInt32BE(24),
    flags: record[33],
    totalLength: record.readUInt16BE(2),
    dataOffset: (record[32] >> 4) * 4,
  };
}
