/** Hand-built TCP packets for flow tests: a client and a server exchanging segments. */
import { FlowTable, type FlowTableOptions } from '../../src/flow/flow-table.ts';
import type { CapturedRequest, CapturedSession, FlowSink } from '../../src/flow/session.ts';
import { newPacketView, type PacketView, TcpFlag } from '../../src/packet/view.ts';

export const { FIN, SYN, RST, PSH, ACK } = TcpFlag;

export interface Segment {
  from: 'client' | 'server';
  flags: number;
  seq: number;
  ack?: number;
  payload?: string;
  /** Payload bytes on the wire when the capture cut them (defaults to the payload's length). */
  wireLength?: number;
  tsUs: number;
  clientPort?: number;
  serverPort?: number;
}

export interface Recorded {
  events: string[];
  sessions: CapturedSession[];
  requests: CapturedRequest[];
}

/** A sink that records what the table emitted, in order. */
export function recordingSink(): FlowSink & Recorded {
  const recorded: Recorded = { events: [], sessions: [], requests: [] };
  return {
    ...recorded,
    sessionOpened(session) {
      recorded.events.push(`open ${session.id}`);
    },
    requestCompleted(session, request) {
      recorded.events.push(`request ${session.id}.${request.index}`);
      recorded.requests.push(request);
    },
    sessionClosed(session) {
      recorded.events.push(`close ${session.id}`);
      recorded.sessions.push(session);
    },
  };
}

const CLIENT = 0x0a000001; // 10.0.0.1
const SERVER = 0x0a000002; // 10.0.0.2

export function viewOf(segment: Segment): PacketView {
  const view = newPacketView();
  const client = segment.from === 'client';
  const clientPort = segment.clientPort ?? 40000;
  view.ipVersion = 4;
  view.src4 = client ? CLIENT : SERVER;
  view.dst4 = client ? SERVER : CLIENT;
  const serverPort = segment.serverPort ?? 80;
  view.srcPort = client ? clientPort : serverPort;
  view.dstPort = client ? serverPort : clientPort;
  view.seq = segment.seq >>> 0;
  view.ack = (segment.ack ?? 0) >>> 0;
  view.flags = segment.flags;
  view.window = 65535;
  view.tsSec = Math.floor(segment.tsUs / 1e6);
  view.tsNsec = (segment.tsUs % 1e6) * 1000;
  const payload = Buffer.from(segment.payload ?? '');
  view.buf = Buffer.concat([Buffer.alloc(40), payload]);
  view.tcpOffset = 20;
  view.tcpHeaderLength = 20;
  view.payloadOffset = 40;
  view.payloadLength = payload.length;
  view.payloadWireLength = segment.wireLength ?? payload.length;
  return view;
}

/** Runs the segments through a fresh flow table (with payload) and returns what it emitted. */
export function run(segments: Segment[], options: FlowTableOptions = { keepPayload: true }): Recorded {
  const sink = recordingSink();
  const table = new FlowTable(sink, options);
  for (const segment of segments) table.push(viewOf(segment));
  table.end();
  return sink;
}

export function text(request: CapturedRequest): string {
  return request.data.toString('latin1');
}

/** A complete exchange: handshake, one request, one response, FIN both ways. */
export function exchange(clientIsn: number, serverIsn: number, request: string, response: string): Segment[] {
  const c = clientIsn >>> 0;
  const s = serverIsn >>> 0;
  const rq = request.length;
  const rs = response.length;
  return [
    { from: 'client', flags: SYN, seq: c, tsUs: 1_000_000 },
    { from: 'server', flags: SYN | ACK, seq: s, ack: c + 1, tsUs: 1_000_100 },
    { from: 'client', flags: ACK, seq: c + 1, ack: s + 1, tsUs: 1_000_200 },
    { from: 'client', flags: PSH | ACK, seq: c + 1, ack: s + 1, payload: request, tsUs: 1_000_300 },
    { from: 'server', flags: PSH | ACK, seq: s + 1, ack: c + 1 + rq, payload: response, tsUs: 1_000_700 },
    { from: 'client', flags: FIN | ACK, seq: c + 1 + rq, ack: s + 1 + rs, tsUs: 1_000_800 },
    { from: 'server', flags: FIN | ACK, seq: s + 1 + rs, ack: c + 2 + rq, tsUs: 1_000_900 },
    { from: 'client', flags: ACK, seq: c + 2 + rq, ack: s + 2 + rs, tsUs: 1_001_000 },
  ];
}
