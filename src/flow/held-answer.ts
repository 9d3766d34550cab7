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

/** Capture time an answer is held at most, in µs (misfiled records are µs to a few ms apart). */
export const HOLD_US = 100_000;
/** Records of the capture read at most while an answer is held (bounds a clock that steps back). */
export const HOLD_PACKETS = 10_000;
/** Packets of the session held at most. */
const MAX_HELD_PACKETS = 64;

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
