/**
 * HTTP/2 frames no peer answers: a client's SETTINGS or PING acknowledgement, WINDOW_UPDATE,
 * RST_STREAM, PRIORITY, GOAWAY. A capture can still show such a request "answered": a gRPC server
 * sends a PING with its answer, the client acknowledges the PING a moment before the answer
 * arrives, and the answer then follows the acknowledgement. A replay must not wait for it there.
 */

const FRAME_HEADER = 9;
const ACK = 0x1;

/** Frame types (RFC 9113, section 6). */
const PRIORITY = 0x2;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PING = 0x6;
const GOAWAY = 0x7;
const WINDOW_UPDATE = 0x8;

/** Whether `data` is one or more whole HTTP/2 frames, each of a kind no peer answers. */
export function onlyUnansweredHttp2Frames(data: Buffer): boolean {
  let offset = 0;
  while (offset < data.length) {
    if (data.length - offset < FRAME_HEADER) return false;
    const length = data.readUIntBE(offset, 3);
    const type = data[offset + 3];
    const flags = data[offset + 4];
    const end = offset + FRAME_HEADER + length;
    if (end > data.length || !unanswered(type, flags)) return false;
    offset = end;
  }
  return offset > 0;
}

function unanswered(type: number, flags: number): boolean {
  switch (type) {
    case SETTINGS:
    case PING:
      return (flags & ACK) !== 0;
    case PRIORITY:
    case RST_STREAM:
    case GOAWAY:
    case WINDOW_UPDATE:
      return true;
    default:
      return false;
  }
}
