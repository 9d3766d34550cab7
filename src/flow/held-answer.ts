/**
 * A server answer held back because it acknowledges client bytes the capture has not shown yet.
 * Captures file packets out of time order (multi-queue NICs, `tcpdump -i any`, merged files), so
 * the request an answer acknowledges may be filed a few records after it. Its session keeps the
 * answer, and every packet of its own that comes next, until the missing bytes arrive (then the
 * request goes before its answer, as on the wire) or the capture has moved on: HOLD_US of capture
 * time, HOLD_PACKETS records of the capture, or MAX_HELD_PACKETS of the session's own. Then the
 * bytes are missing, and a gap, as without the hold.
 */
import { copyPacketView, type PacketView } from '../packet/view.ts';
import type { Conversation } from './conversation.ts';

/** Capture time an answer is held at most, in µs (misfiled records are µs to a few ms apart). */
export const HOLD_US = 100_000;
/** Records of the capture read at most while an answer is held (bounds a clock that steps back). */
export const HOLD_PACKETS = 10_000;
/** Packets of the session held at most. */
const MAX_HELD_PACKETS = 64;
/** Holds run out, at least, before answers are held in vain (see HoldQueue.inVain). */
const HOLDS_BEFORE_GIVING_UP = 64;

export interface HeldPacket {
  view: PacketView;
  fromClient: boolean;
  tsUs: number;
}

export class HeldAnswer {
  readonly packets: HeldPacket[];

  constructor(
    answer: PacketView,
    tsUs: number,
    /**
     * The answer's ack (int32): the client's bytes before it, and its FIN if the ack takes that in,
     * are awaited.
     */
    readonly ack: number,
  ) {
    this.packets = [{ view: copyPacketView(answer), fromClient: false, tsUs }];
  }

  /** Keeps a packet that came after the answer; false when the session holds as many as it may. */
  add(view: PacketView, fromClient: boolean, tsUs: number): boolean {
    this.packets.push({ view: copyPacketView(view), fromClient, tsUs });
    return this.packets.length < MAX_HELD_PACKETS;
  }
}

/** A session holding an answer, and when it lets go without the awaited bytes. */
interface Hold {
  conversation: Conversation;
  answer: HeldAnswer;
  dueUs: number;
  duePacket: number;
}

/**
 * The sessions of a flow table holding an answer, oldest first: a queue, due in its order (by
 * packets pushed, as holds begin in capture order; by capture time, as `add` keeps it).
 */
export class HoldQueue {
  /** When the oldest hold is due, by capture time and by packets pushed (never, with none). */
  dueUs = Number.POSITIVE_INFINITY;
  duePacket = Number.POSITIVE_INFINITY;
  private holds: Hold[] = [];
  private head = 0;
  /** Holds that ran out without their bytes, and the others (the bytes came, or the session closed). */
  private runOut = 0;
  private ended = 0;

  /** The conversation's session began holding `answer` at capture time `tsUs`, after `pushed` packets. */
  add(conversation: Conversation, answer: HeldAnswer, tsUs: number, pushed: number): void {
    const hold = { conversation, answer, dueUs: tsUs + HOLD_US, duePacket: pushed + HOLD_PACKETS };
    const holds = this.holds;
    holds.push(hold);
    // Due no later than this one: an answer stamped far ahead (a clock glitch), or one let go
    // already, at the head does not hold back the ones behind it.
    for (let i = holds.length - 2; i >= this.head && holds[i].dueUs > hold.dueUs; i--) {
      holds[i].dueUs = hold.dueUs;
    }
    this.dueAt(holds[this.head]);
  }

  /**
   * Hands `release` the sessions whose hold is due at capture time `tsUs` after `pushed` packets
   * (their awaited bytes are missing from the capture), and forgets the holds let go already.
   */
  releaseDue(tsUs: number, pushed: number, release: (conversation: Conversation) => void): void {
    const holds = this.holds;
    while (this.head < holds.length) {
      const hold = holds[this.head];
      const held = hold.conversation.tracker?.heldAnswer === hold.answer;
      if (held && tsUs < hold.dueUs && pushed < hold.duePacket) break;
      this.head++;
      if (held) {
        this.runOut++;
        release(hold.conversation);
      } else {
        this.ended++;
      }
    }
    if (this.head > 1024 && this.head * 2 > holds.length) {
      this.holds = holds.slice(this.head);
      this.head = 0;
    }
    this.dueAt(this.holds[this.head]);
  }

  /**
   * Most holds ran out (64 at least, 16 times as many as came good): a capture of the servers'
   * side alone, or one that lost most client packets, where every answer would wait in vain.
   */
  get inVain(): boolean {
    return this.runOut >= HOLDS_BEFORE_GIVING_UP && this.runOut > 16 * this.ended;
  }

  /** The capture is over: every session let go of its hold as it finished. */
  clear(): void {
    this.holds = [];
    this.head = 0;
    this.dueAt(undefined);
  }

  private dueAt(hold: Hold | undefined): void {
    this.dueUs = hold?.dueUs ?? Number.POSITIVE_INFINITY;
    this.duePacket = hold?.duePacket ?? Number.POSITIVE_INFINITY;
  }
}
