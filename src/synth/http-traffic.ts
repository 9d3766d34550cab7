/**
 * Synthetic HTTP/1.1 traffic as it would be captured on the wire: complete TCP sessions
 * (handshake, requests, responses, ACKs, FIN) between made-up clients and one server, merged in
 * time order. Deterministic for a given seed. It feeds the demo recording, timing tests and the
 * benchmarks, and streams: a capture of any size is produced with memory for the sessions that
 * overlap in time only.
 */
import { encodeIpv4Tcp } from '../packet/encode.ts';
import { TcpFlag, type TcpOptions } from '../packet/view.ts';
import { MinHeap } from '../util/min-heap.ts';
import { hash32, unitInterval } from '../util/seeded.ts';

export interface SyntheticHttpOptions {
  sessions: number;
  /** Requests per session: a fixed count, or [min, max] chosen per session. */
  requestsPerSession: number | [number, number];
  /** Time between session starts (ms). */
  sessionSpacingMs: number;
  /** Client think time between a response and the next request (ms). */
  thinkTimeMs: number;
  /** Server time to answer (ms), per request uniformly in [0.5x, 1.5x]. */
  serverLatencyMs: number;
  /** Round-trip time of the captured network (ms). */
  rttMs: number;
  /** Server address (dotted IPv4) and port; clients are 10.1.x.y with ports from 20000. */
  server?: string;
  serverPort?: number;
  paths?: string[];
  /** Response body size in bytes. */
  bodyBytes?: number;
  seed?: number;
  /** First packet time (µs since the epoch). */
  startUs?: number;
}

export interface SyntheticPacket {
  tsUs: number;
  /** An Ethernet frame. */
  frame: Buffer;
}

const DEFAULT_PATHS = ['/', '/products', '/products/42', '/cart', '/search?q=lamp', '/checkout', '/missing'];
const MSS = 1460;
const ETHERNET_HEADER = Buffer.from('0200000000020200000000010800', 'hex');

interface Direction {
  seq: number;
}

/** One session's packets, generated lazily in time order. */
function* sessionPackets(index: number, o: Required<SyntheticHttpOptions>): Generator<SyntheticPacket> {
  const client = 10 * 2 ** 24 + 2 ** 16 + (index % 65000) + 1;
  const server = ipv4(o.server);
  const clientPort = 20000 + (index % 40000);
  const half = (o.rttMs * 1000) / 2;
  const c: Direction = { seq: hash32(o.seed, 'isn-c', index) };
  const s: Direction = { seq: hash32(o.seed, 'isn-s', index) };
  const [min, max] = Array.isArray(o.requestsPerSession)
    ? o.requestsPerSession
    : [o.requestsPerSession, o.requestsPerSession];
  const requests = min + (hash32(o.seed, 'n', index) % (max - min + 1));
  let t = o.startUs + index * o.sessionSpacingMs * 1000;

  const packet = (
    fromClient: boolean,
    flags: number,
    payload?: Buffer,
    options?: TcpOptions,
  ): SyntheticPacket => {
    const me = fromClient ? c : s;
    const peer = fromClient ? s : c;
    const ip = encodeIpv4Tcp({
      src: fromClient ? client : server,
      dst: fromClient ? server : client,
      srcPort: fromClient ? clientPort : o.serverPort,
      dstPort: fromClient ? o.serverPort : clientPort,
      seq: me.seq,
      ack: flags & TcpFlag.ACK ? peer.seq : 0,
      flags,
      window: 64240,
      ...(options ? { options } : {}),
      ...(payload ? { payload } : {}),
    });
    me.seq = (me.seq + (payload?.length ?? 0) + (flags & (TcpFlag.SYN | TcpFlag.FIN) ? 1 : 0)) >>> 0;
    return { tsUs: Math.round(t), frame: Buffer.concat([ETHERNET_HEADER, ip]) };
  };
  const segments = function* (fromClient: boolean, data: Buffer): Generator<SyntheticPacket> {
    for (let at = 0; at < data.length; at += MSS) {
      yield packet(fromClient, TcpFlag.ACK | TcpFlag.PSH, data.subarray(at, at + MSS));
      t += 10;
    }
  };

  yield packet(true, TcpFlag.SYN, undefined, { mss: MSS, sackPermitted: true, windowScale: 7 });
  t += half;
  yield packet(false, TcpFlag.SYN | TcpFlag.ACK, undefined, {
    mss: MSS,
    sackPermitted: true,
    windowScale: 7,
  });
  t += half;
  yield packet(true, TcpFlag.ACK);
  for (let r = 0; r < requests; r++) {
    t += o.thinkTimeMs * 1000 * (0.5 + unitInterval(o.seed, 'think', index, r));
    const path = o.paths[hash32(o.seed, 'path', index, r) % o.paths.length];
    yield* segments(true, httpRequest(path));
    t += half + o.serverLatencyMs * 1000 * (0.5 + unitInterval(o.seed, 'lat', index, r));
    yield* segments(false, httpResponse(path, o.bodyBytes));
    t += half;
    yield packet(true, TcpFlag.ACK);
  }
  t += o.thinkTimeMs * 100;
  yield packet(true, TcpFlag.FIN | TcpFlag.ACK);
  t += half;
  yield packet(false, TcpFlag.FIN | TcpFlag.ACK);
  t += half;
  yield packet(true, TcpFlag.ACK);
}

function httpRequest(path: string): Buffer {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: reprise-synth\r\nAccept: */*\r\n\r\n`,
  );
}

function httpResponse(path: string, bodyBytes: number): Buffer {
  const status = path.startsWith('/missing') ? '404 Not Found' : '200 OK';
  const body = '{"ok":true}'.padEnd(bodyBytes, ' ');
  return Buffer.from(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
}

function ipv4(text: string): number {
  return text.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** All sessions' packets, merged in capture-time order. */
export function* syntheticHttpTraffic(options: SyntheticHttpOptions): Generator<SyntheticPacket> {
  const o: Required<SyntheticHttpOptions> = {
    server: '10.2.0.1',
    serverPort: 80,
    paths: DEFAULT_PATHS,
    bodyBytes: 64,
    seed: 1,
    startUs: 1_700_000_000_000_000,
    ...options,
  };
  const heap = new MinHeap<{ gen: Generator<SyntheticPacket>; next: SyntheticPacket }>();
  let nextSession = 0;
  const sessionStartUs = (i: number) => o.startUs + i * o.sessionSpacingMs * 1000;
  const admit = () => {
    const gen = sessionPackets(nextSession++, o);
    const first = gen.next();
    if (!first.done) heap.push(first.value.tsUs, { gen, next: first.value });
  };
  for (;;) {
    // Start every session whose first packet is due before the earliest pending packet.
    while (
      nextSession < o.sessions &&
      (heap.size === 0 || sessionStartUs(nextSession) <= (heap.peekKey() ?? 0))
    ) {
      admit();
    }
    const top = heap.pop();
    if (!top) return;
    yield top.next;
    const following = top.gen.next();
    if (!following.done) heap.push(following.value.tsUs, { gen: top.gen, next: following.value });
  }
}
