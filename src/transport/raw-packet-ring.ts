/**
 * A FIFO of packets waiting to be sent, as a ring of reusable slots: pushing copies the packet
 * into a slot's own buffer (the caller reuses its encode buffer at once), and a slot's buffer is
 * kept for the next packet. The oldest `inFlight` packets are handed to the socket; the rest wait.
 * O(1) per packet (raw-socket's own queue uses Array.shift, which is O(n)).
 */
const MIN_SLOT_BYTES = 2048;

export interface PacketSlot {
  buf: Buffer;
  length: number;
  /** Destination address (dotted IPv4). */
  dst: string;
}

export class PacketRing {
  private slots: PacketSlot[];
  private head = 0;
  private count = 0;
  /** Of the `count` packets from `head` on, the first `inFlight` were handed to the socket. */
  private inFlightCount = 0;

  constructor(capacity = 1024) {
    this.slots = Array.from({ length: capacity }, newSlot);
  }

  get size(): number {
    return this.count;
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  get waiting(): number {
    return this.count - this.inFlightCount;
  }

  push(packet: Uint8Array, length: number, dst: string): void {
    if (this.count === this.slots.length) this.grow();
    const slot = this.slots[(this.head + this.count) % this.slots.length];
    if (slot.buf.length < length) slot.buf = Buffer.allocUnsafe(Math.max(length, MIN_SLOT_BYTES));
    slot.buf.set(packet.subarray(0, length));
    slot.length = length;
    slot.dst = dst;
    this.count++;
  }

  /** The oldest packet not yet handed to the socket, now counted as in flight. */
  takeNext(): PacketSlot | undefined {
    if (this.inFlightCount === this.count) return undefined;
    const slot = this.slots[(this.head + this.inFlightCount) % this.slots.length];
    this.inFlightCount++;
    return slot;
  }

  /** The oldest in-flight packet completed (sockets complete in order); its slot is free again. */
  completeOldest(): PacketSlot {
    if (this.inFlightCount === 0) throw new Error('PacketRing: no packet in flight');
    const slot = this.slots[this.head];
    this.head = (this.head + 1) % this.slots.length;
    this.count--;
    this.inFlightCount--;
    return slot;
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

function newSlot(): PacketSlot {
  return { buf: Buffer.allocUnsafe(MIN_SLOT_BYTES), length: 0, dst: '' };
}
