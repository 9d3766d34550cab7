/**
 * The client bytes released on the current connection: the released requests' data laid end to
 * end (of a request sent in parts, the parts due so far). Offsets count data bytes from the first byte after the SYN. Requests whose bytes are all
 * acknowledged are forgotten, so the queue holds only what may still be sent or sent again.
 */
export interface ReleasedRequest {
  index: number;
  start: number;
  end: number;
  data: Buffer;
}

/** Every byte of the request is released (a request sent in parts is not until its last part). */
export function wholeReleased(request: ReleasedRequest): boolean {
  return request.end - request.start === request.data.length;
}

function unacknowledged(request: ReleasedRequest, acked: number): boolean {
  return request.end > acked || !wholeReleased(request);
}

export class OutgoingStream {
  private queue: ReleasedRequest[] = [];
  /** Offset after the last released byte. */
  end = 0;

  /** Releases the request's first `length` bytes (all by default); `extend` releases more. */
  release(index: number, data: Buffer, length = data.length): ReleasedRequest {
    const request = { index, start: this.end, end: this.end + length, data };
    this.queue.push(request);
    this.end = request.end;
    return request;
  }

  /** Releases the bytes of the last released request up to `length` from its start. */
  extend(request: ReleasedRequest, length: number): void {
    if (this.queue.at(-1) !== request) throw new Error('engine: only the last released request can grow');
    request.end = request.start + length;
    this.end = request.end;
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

  /** Forgets requests whose bytes were all released and all lie below `acked`. */
  acknowledge(acked: number): void {
    let drop = 0;
    while (drop < this.queue.length && !unacknowledged(this.queue[drop], acked)) drop++;
    if (drop > 0) this.queue.splice(0, drop);
  }

  /** Index of the first released request not wholly released and acknowledged, if any. */
  firstUnacknowledged(acked: number): number | undefined {
    return this.queue.find((request) => unacknowledged(request, acked))?.index;
  }

  reset(): void {
    this.queue = [];
    this.end = 0;
  }
}
