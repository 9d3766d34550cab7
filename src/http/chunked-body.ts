/**
 * Finds the end of a chunked HTTP body (RFC 9112 section 7.1): chunk sizes in hex, chunk
 * extensions and trailer fields skipped. Fed the body as it arrives; says where it ended, so that
 * a pipelined response after it in the same read is not lost.
 */
type Part = 'size' | 'extension' | 'data' | 'data-end' | 'trailer';

const CR = 0x0d;
const LF = 0x0a;

export class ChunkedBody {
  private part: Part = 'size';
  private size = 0;
  private dataLeft = 0;
  private trailerLineLength = 0;

  /** Reads `data` from `start`; the offset just past the body's last byte, or -1 when more is due. */
  consume(data: Buffer, start = 0): number {
    let at = start;
    while (at < data.length) {
      const byte = data[at];
      switch (this.part) {
        case 'size':
        case 'extension':
          at++;
          if (byte === LF) this.endSizeLine();
          else if (this.part === 'size' && hexValue(byte) >= 0) this.size = this.size * 16 + hexValue(byte);
          else this.part = 'extension'; // a chunk extension, whitespace or the CR: skipped to the LF
          break;
        case 'data': {
          const taken = Math.min(this.dataLeft, data.length - at);
          this.dataLeft -= taken;
          at += taken;
          if (this.dataLeft === 0) this.part = 'data-end';
          break;
        }
        case 'data-end':
          at++;
          if (byte === LF) this.part = 'size';
          break;
        case 'trailer':
          at++;
          if (byte === LF) {
            if (this.trailerLineLength === 0) return at;
            this.trailerLineLength = 0;
          } else if (byte !== CR) this.trailerLineLength++;
          break;
      }
    }
    return -1;
  }

  private endSizeLine(): void {
    this.part = this.size === 0 ? 'trailer' : 'data';
    this.dataLeft = this.size;
    this.size = 0;
  }
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}
