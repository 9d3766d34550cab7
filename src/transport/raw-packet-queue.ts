/**
 * A FIFO of packets waiting to be sent, as a ring of reusable slots: pushing copies the packet
 * into a slot's own buffer (the caller reuses its encode buffer at once), and a slot's buffer is
 * kept for the next packet. O(1) per packet; grows when full.
 */
const MIN_SLOT_BYTES = 2048;

export interface QueuedPacket {
  buf: Buffer;
  length: number;
}

export class PacketQueue {
  private slots: QueuedPacket[];
  private head = 0;
  private count = 0;

  constructor(capacity = 1024) {
    this.slots = Array.from({ length: capacity }, newSlot);
  }

  get size(): number {
    return this.count;
  }

  push(packet: Uint8Array, length: number): void {
    if (this.count === this.slots.length) this.grow();
    const slot = this.slots[(this.head + this.count) % this.slots.length];
    if (slot.buf.length < length) slot.buf = Buffer.allocUnsafe(Math.max(length, MIN_SLOT_BYTES));
    slot.buf.set(packet.subarray(0, length));
    slot.length = length;
    this.count++;
  }

  /** The oldest packet, still queued; its buffer is reused once it is dropped. */
  oldest(): QueuedPacket | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  dropOldest(): void {
    if (this.count === 0) throw new Error('PacketQueue: nothing to drop');
    this.head = (this.head + 1) % this.slots.length;
    this.count--;
  }

  private grow(): void {
    const ordered = Array.from(
      { length: this.count },
      (_, i) => this.slots[(this.head + i) % this.slots.length],
    );
    const extra = Array.from({ length: this.slots.length }, newSlot);
    this.slots = [...ordered, ...extra];
    this.head = 0;
  }
}

function newSlot(): QueuedPacket {
  return { buf: Buffer.allocUnsafe(MIN_SLOT_BYTES), length: 0 };
}
