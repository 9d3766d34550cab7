/**
 * Offers packets at a steady rate for the capture benchmarks' senders. When the sender falls
 * behind (it shares the CPUs with what it measures), the deficit is forgotten rather than sent
 * as a burst: the offer stays smooth, and its real rate is what gets reported.
 */
export interface PacedOffer {
  /** Packets per second asked for. */
  rate: number;
  seconds: number;
  /** Sends packet number `index`. */
  send(index: number): void;
  /** Sleep this long between bursts (leaves CPU to others); 0 spins. */
  napMs?: number;
}

export function offerPaced({ rate, seconds, send, napMs = 0 }: PacedOffer): {
  sent: number;
  seconds: number;
} {
  const total = Math.round(rate * seconds);
  const maxBurst = Math.max(1, Math.round(rate / 100)); // 10 ms worth
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const start = process.hrtime.bigint();
  let origin = start;
  let sent = 0;
  while (sent < total) {
    const now = process.hrtime.bigint();
    if (Number(now - start) / 1e9 > seconds * 1.5) break;
    let due = Math.ceil((rate * Number(now - origin)) / 1e9);
    if (due - sent > maxBurst) {
      origin = now - BigInt(Math.round((sent / rate) * 1e9));
      due = sent + 1;
    }
    due = Math.min(total, due);
    while (sent < due) send(sent++);
    if (napMs > 0) Atomics.wait(nap, 0, 0, napMs);
  }
  return { sent, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}
