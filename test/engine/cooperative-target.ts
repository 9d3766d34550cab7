// A well-behaved target for engine tests: answers the SYN, acknowledges every segment and sends
// each request's captured number of response bytes, all after a fixed one-way delay. With
// `answerAtEof` it answers like `sort`: nothing until the client's FIN, then every answer and its FIN.
import type { EngineAction, ResponseHeader } from '../../src/replay/engine/types.ts';
import { ACK, type Drive, FIN, PSH, SYN } from './script.ts';

const ONE_WAY_US = 200;
const TARGET_ISN = 3_000_000_000;

export interface TargetBehaviour {
  answerAtEof?: boolean;
}

/** Runs the session to its end (or `limitUs`); returns the engine's outcome. */
export function serve(d: Drive, limitUs = 600_000_000, behaviour: TargetBehaviour = {}): string | undefined {
  const pending: Array<{ atUs: number; header: ResponseHeader }> = [];
  let unanswered: number[] = [];
  let rcvNxt = 0;
  let sndNxt = TARGET_ISN + 1;
  let deliveredNxt = TARGET_ISN + 1;
  const reply = (atUs: number, fields: Partial<ResponseHeader>) => {
    const header = {
      seq: sndNxt,
      ack: rcvNxt,
      flags: ACK,
      window: 65535,
      payloadLength: 0,
      options: {},
      ...fields,
    };
    pending.push({ atUs: atUs + ONE_WAY_US, header });
  };
  const answer = (bytes: number) => {
    for (let left = bytes; left > 0; left -= 1448) {
      const n = Math.min(1448, left);
      reply(d.nowUs + 1_000, { payloadLength: n, flags: left === n ? PSH | ACK : ACK });
      sndNxt = (sndNxt + n) >>> 0;
    }
  };
  const react = (actions: EngineAction[]) => {
    for (const a of actions) {
      if (a.kind === 'send') {
        const s = a.segment;
        if (s.flags & SYN) {
          rcvNxt = (s.seq + 1) >>> 0;
          sndNxt = TARGET_ISN + 1;
          deliveredNxt = sndNxt;
          reply(d.nowUs, { seq: TARGET_ISN, flags: SYN | ACK, options: { mss: 1460 } });
        } else if (s.payload.length > 0 && s.seq === rcvNxt) {
          rcvNxt = (rcvNxt + s.payload.length) >>> 0;
          reply(d.nowUs, {});
        } else if (s.flags & FIN) {
          rcvNxt = (s.seq + 1) >>> 0;
          const finDelayUs = unanswered.length > 0 ? 1_000 : 0;
          for (const bytes of unanswered) answer(bytes);
          unanswered = [];
          reply(d.nowUs + finDelayUs, { flags: FIN | ACK });
        }
      } else if (a.kind === 'request-sent') {
        const bytes = d.engineSession.requests[a.index].responseBytes;
        if (behaviour.answerAtEof) unanswered.push(bytes);
        else answer(bytes);
      } else if (a.kind === 'done') {
        return a.outcome;
      }
    }
    return undefined;
  };
  let outcome = react(d.start(0));
  while (outcome === undefined && d.nowUs < limitUs) {
    pending.sort((x, y) => x.atUs - y.atUs);
    const next = pending[0];
    const wake = d.wakeUs;
    if (next === undefined && wake === undefined) break;
    if (next !== undefined && (wake === undefined || next.atUs <= wake)) {
      pending.shift();
      // numbers as of when the segment leaves: all it has received, after all it has sent
      const h = next.header;
      const header =
        h.flags & SYN ? h : { ...h, ack: rcvNxt, seq: h.payloadLength > 0 ? h.seq : deliveredNxt };
      if (h.payloadLength > 0) deliveredNxt = (h.seq + h.payloadLength) >>> 0;
      outcome = react(d.feed(Math.max(d.nowUs, next.atUs), header));
    } else {
      outcome = react(d.advance(wake!));
    }
  }
  return outcome;
}
