// Scripted sessions and a fake clock for the session engine tests: the test plays the target.
import type { CapturedRequest, CapturedSession, Handshake } from '../../src/flow/session.ts';
import { TcpFlag } from '../../src/packet/view.ts';
import { SessionEngine } from '../../src/replay/engine/engine.ts';
import type { EngineAction, EngineInput, OutSegment, ResponseHeader } from '../../src/replay/engine/types.ts';

export const { SYN, ACK, FIN, RST, PSH } = TcpFlag;
export const CLIENT_ISN = 1000;
export const TARGET_ISN = 5000;

export interface RequestSpec {
  data: string | Buffer;
  offsetUs?: number;
  responseBytes?: number;
  /** Bytes of the request after `data` that the capture misses (a gap at its end). */
  missing?: number;
  /** The captured client sent its FIN after this request, before the answer. */
  halfClosed?: boolean;
  /** ...this long after the request's first byte (µs). */
  halfClosedAfterUs?: number;
  /** The captured client paused mid-request: [offset in data, µs since its first byte] per later part. */
  parts?: Array<[number, number]>;
}

export function capturedSession(
  requests: RequestSpec[],
  handshake: Partial<Handshake> = {},
  clientDataSeq = CLIENT_ISN + 1,
): CapturedSession {
  let streamOffset = 0;
  const built: CapturedRequest[] = requests.map((spec, index) => {
    const data = typeof spec.data === 'string' ? Buffer.from(spec.data) : spec.data;
    const missing = spec.missing ?? 0;
    const request: CapturedRequest = {
      index,
      offsetUs: spec.offsetUs ?? 0,
      streamOffset,
      length: data.length + missing,
      data,
      gaps: missing > 0 ? [[data.length, missing]] : [],
      parts: spec.parts ?? [],
      responseBytes: spec.responseBytes ?? 100,
      ...(spec.halfClosed ? { halfClosed: true } : {}),
      ...(spec.halfClosedAfterUs !== undefined ? { halfClosedAfterUs: spec.halfClosedAfterUs } : {}),
    };
    streamOffset += request.length;
    return request;
  });
  return {
    id: 0,
    ipVersion: 4,
    client: { ip: '192.168.1.10', port: 40000 },
    server: { ip: '192.168.1.20', port: 80 },
    startUs: 1_700_000_000_000_000,
    endUs: 1_700_000_001_000_000,
    handshake: {
      syn: true,
      synAck: true,
      clientIsn: CLIENT_ISN,
      synOptions: { mss: 1460 },
      rttUs: 10_000,
      ...handshake,
    },
    clientDataSeq,
    requests: built,
    packets: 10,
    bytesFromClient: streamOffset,
    bytesFromServer: 0,
    ending: 'fin',
    retransmissions: 0,
    gaps: 0,
    gapBytes: 0,
    greetingBytes: 0,
    truncatedSegments: 0,
  };
}

export function header(fields: Partial<ResponseHeader> & { seq: number; ack: number }): ResponseHeader {
  return { flags: ACK, window: 65535, payloadLength: 0, options: {}, ...fields };
}

/** Runs an engine on a fake clock and keeps every action it returned. */
export class Drive {
  readonly engine: SessionEngine;
  readonly log: EngineAction[] = [];
  /** The clock when each action of `log` was returned. */
  readonly times: number[] = [];
  nowUs = 0;
  /** The latest wake-up the engine asked for. */
  wakeUs: number | undefined;

  readonly engineSession: CapturedSession;

  constructor(input: EngineInput) {
    this.engineSession = input.session;
    this.engine = new SessionEngine(input);
  }

  private take(actions: EngineAction[]): EngineAction[] {
    for (const action of actions) {
      if (action.kind === 'timer') this.wakeUs = action.atUs;
      if (action.kind === 'done') this.wakeUs = undefined;
    }
    this.log.push(...actions);
    for (const _ of actions) this.times.push(this.nowUs);
    return actions;
  }

  private at(us: number): void {
    if (us < this.nowUs) throw new Error(`fake clock going back: ${us} < ${this.nowUs}`);
    this.nowUs = us;
  }

  start(us = 0): EngineAction[] {
    this.at(us);
    return this.take(this.engine.start(us));
  }

  feed(us: number, fields: Partial<ResponseHeader> & { seq: number; ack: number }): EngineAction[] {
    this.at(us);
    return this.take(this.engine.feedback(us, header(fields)));
  }

  timer(us: number): EngineAction[] {
    this.at(us);
    return this.take(this.engine.timer(us));
  }

  /** Fires every wake-up the engine asks for up to `us`, then moves the clock there. */
  advance(us: number): EngineAction[] {
    const out: EngineAction[] = [];
    while (this.wakeUs !== undefined && this.wakeUs <= us) {
      const wake = this.wakeUs;
      this.wakeUs = undefined;
      out.push(...this.timer(wake));
    }
    this.at(us);
    return out;
  }

  stop(us: number): EngineAction[] {
    this.at(us);
    return this.take(this.engine.stop(us));
  }

  requestAvailable(us: number): EngineAction[] {
    this.at(us);
    return this.take(this.engine.requestAvailable(us));
  }

  inputEnded(us: number): EngineAction[] {
    this.at(us);
    return this.take(this.engine.inputEnded(us));
  }

  /** Completes the handshake: SYN-ACK from the target at `us`. */
  synAck(us: number, fields: Partial<ResponseHeader> = {}): EngineAction[] {
    return this.feed(us, {
      seq: TARGET_ISN,
      ack: CLIENT_ISN + 1,
      flags: SYN | ACK,
      options: { mss: 1460 },
      ...fields,
    });
  }
}

export function segments(actions: EngineAction[]): OutSegment[] {
  return actions.flatMap((a) => (a.kind === 'send' ? [a.segment] : []));
}

/** A segment as plain fields, payload as text, for exact comparisons. */
export function wire(s: OutSegment): { seq: number; ack: number; flags: number; len: number } {
  return { seq: s.seq, ack: s.ack, flags: s.flags, len: s.payload.length };
}

export function ofKind<K extends EngineAction['kind']>(
  actions: EngineAction[],
  kind: K,
): Array<Extract<EngineAction, { kind: K }>> {
  return actions.filter((a): a is Extract<EngineAction, { kind: K }> => a.kind === kind);
}
