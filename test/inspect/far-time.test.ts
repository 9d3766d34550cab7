/**
 * pcapng timestamps are 64-bit (and if_tsoffset a signed 64-bit count of seconds), so a capture
 * can legitimately (or through a corrupt block) carry a time beyond what a JavaScript Date holds
 * (±8.64e15 ms). `reprise inspect` must still print its summary: found by a fuzz hunt, where it
 * died with "RangeError: Invalid time value" and a stack trace.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { inspectCapture } from '../../src/cli/inspect.ts';
import { renderTextLines } from '../../src/inspect/render-text.ts';

/** SHB + Ethernet IDB + one EPB (a SYN to port 80) stamped with high word 0xffffffff in µs: year ~586,000. */
const FAR_FUTURE =
  'Cg0NChwAAABNPCsaAQAAAP//////////HAAAAAEAAAAUAAAAAQAAAP//AAAUAAAABgAAAFwAAAAAAAAA/////wAAAAA8AAAAPAAAAAAAAAAAAAAA' +
  'AAAAAAgARQAAKAAAAABABgAAfwAAAX8AAAKcQABQAAAAAAAAAABQAgAAAAAAAAAAAAAAAFwAAAA=';
/** The same packet at time 0 on an interface whose if_tsoffset is -2^62 seconds. */
const FAR_PAST =
  'Cg0NChwAAABNPCsaAQAAAP//////////HAAAAAEAAAAkAAAAAQAAAP//AAAOAAgAAAAAAAAAAMAAAAAAJAAAAAYAAABcAAAAAAAAAAAAAAAAAAAA' +
  'PAAAADwAAAAAAAAAAAAAAAAAAAAIAEUAACgAAAAAQAYAAH8AAAF/AAACnEAAUAAAAAAAAAAAUAIAAAAAAAAAAAAAAABcAAAA';

const dir = mkdtempSync(join(tmpdir(), 'rp-fuzz-hunt8-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function captureFile(name: string, base64: string): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.from(base64, 'base64'));
  return path;
}

describe('inspect on a capture whose times lie beyond what a Date holds', () => {
  for (const [name, base64] of [
    ['far-future.pcapng', FAR_FUTURE],
    ['far-past.pcapng', FAR_PAST],
  ] as const) {
    it(`${name}: the text summary is printed, with its one packet and session`, async () => {
      const report = await inspectCapture(captureFile(name, base64));
      assert.equal(report.packets, 1);
      const lines = renderTextLines(report);
      assert.ok(
        lines.some((line) => /^packets\s+1$/.test(line)),
        lines.join('\n'),
      );
      assert.ok(
        lines.some((line) => /^TCP sessions\s+1 /.test(line)),
        lines.join('\n'),
      );
    });
  }
});
