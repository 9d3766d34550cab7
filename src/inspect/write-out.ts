import type { Writable } from 'node:stream';

/** Characters gathered before each write: few writes, and none of them huge. */
const BATCH_CHARS = 1 << 20;

/**
 * Writes `pieces` to `out` in batches, waiting for it to drain. Stops quietly when the reader went
 * away (`reprise inspect ... | head`: EPIPE; a broken pipe noticed after the last write is the CLI's
 * to ignore, see util/broken-pipe.ts); other write errors reject.
 */
export async function writePieces(out: Writable, pieces: Iterable<string>): Promise<void> {
  let failure: NodeJS.ErrnoException | undefined;
  const onError = (error: NodeJS.ErrnoException) => {
    failure ??= error;
  };
  out.on('error', onError);
  try {
    let batch = '';
    for (const piece of pieces) {
      batch += piece;
      if (batch.length < BATCH_CHARS) continue;
      await writeBatch(out, batch);
      batch = '';
      if (failure !== undefined) break;
    }
    if (failure === undefined && batch.length > 0) await writeBatch(out, batch);
  } finally {
    out.off('error', onError);
  }
  if (failure !== undefined && failure.code !== 'EPIPE') throw failure;
}

/** Writes one batch, then waits for the stream to drain (or fail), or at least for a turn of the event loop. */
function writeBatch(out: Writable, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (out.write(text)) {
      // Errors of this write arrive through 'error' events; let them in before going on.
      setImmediate(resolve);
      return;
    }
    const done = () => {
      out.off('drain', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('error', done);
  });
}
