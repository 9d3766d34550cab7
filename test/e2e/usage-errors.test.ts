/**
 * README, Commands: every command exits 2 on bad input "with one line on stderr that names what
 * was wrong". Usage errors (commander's) are such input too, and read like reprise's own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';

const cases: Array<[string[], RegExp]> = [
  [['replay', 'x.pcap'], /^reprise: required option '-x, --transfer <map>' not specified \(see --help\)\n$/],
  [['frob'], /^reprise: unknown command 'frob' \(see --help\)\n$/],
  [['inspect', '--bogus', 'x.pcap'], /^reprise: unknown option '--bogus' \(see --help\)\n$/],
  [['compare'], /^reprise: missing required argument 'baseline' \(see --help\)\n$/],
];

describe('usage errors', () => {
  for (const [args, line] of cases) {
    it(`reprise ${args.join(' ')}: exit 2, one line naming what was wrong`, async () => {
      const result = await runCli(args);
      assert.equal(result.code, 2);
      assert.match(result.stderr, line);
      assert.equal(result.stdout, '');
    });
  }
});
