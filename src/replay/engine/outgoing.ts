/**
 * The client bytes released on the current connection: the released requests' data laid end to
 * end. Offsets count data bytes from the first byte after the SYN. Requests whose bytes are all
 * acknowledged are forgotten, so the queue holds only what may still be sent or sent again.
 */
export interface ReleasedRequest {
  index: number;
  start: number;
  end: number;
  data: Buffer;
}

export class OutgoingStream {
  private queue: ReleasedRequest[] = [];
  /** Offset after the last released byte. */
  end = 0;

  release(index: number, data: Buffer): ReleasedRequest {
    const request = { index, start: this.end, end: this.end + data.length, data };
    this.queue.push(request);
    this.end = request.end;
    return request;
  }

  /** Up to `max` bytes from `from`, never across the end of a request. */
  chunk(from: number, max: number): { request: ReleasedRequest; payload: Buffer } | undefined {
    for (const request of this.queue) {
      if (from >= request.start && from < request.end) {
        const upTo = Math.min(request.end, from + max);
        return { request, payload: request.data.subarray(from - request.start, upTo - request.start) };
      }
    }
    return undefined;
  }

  /** Forgets requests whose bytes all lie below `acked`. */
  acknowledge(acked: number): void {
    let drop = 0;
    while (drop < this.queue.length && this.queue[drop].end <= acked) drop++;
    if (drop > 0) this.queue.splice(0, drop);
  }

  /** Index of the first released request not wholly acknowledged, if any. */
  firstUnacknowledged(acked: number): number | undefined {
    return this.queue.find((request) => request.end > acked)?.index;
  }

  reset(): void {
    this.queue = [];
    this.end = 0;
  }
}
