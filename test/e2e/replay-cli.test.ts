/** `reprise replay` and `reprise demo` as a user runs them: flags, errors, report file, exit codes. */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createPcapWriter, forEachRecord, LinkType } from '../../src/capture/index.ts';
import { projectPath } from '../../src/paths.ts';
import { replay } from '../../src/replay/replay.ts';
import { UserError } from '../../src/util/user-error.ts';
import { runCli } from '../helpers/cli.ts';
import { corpusFile } from '../helpers/corpus.ts';
import { startRecordingServer } from '../helpers/recording-server.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { tempDir } from '../helpers/synthetic.ts';

const GET = corpusFile('zeek_http_get.pcap');

describe('reprise replay on the command line', () => {
  const dir = tempDir();
  after(() => dir.cleanup());

  it('replays, prints the summary and writes a report that accounts for every session', async () => {
    const server = await startRecordingServer('http');
    try {
      const report = join(dir.path, 'run.json');
      const r = await runCli([
        'replay',
        GET,
        '-x',
        `80-127.0.0.1:${server.port}`,
        '--speed',
        'max',
        '--report',
        report,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /sessions\s+1 planned: 1 completed/);
      const json = JSON.parse(readFileSync(report, 'utf8'));
      assert.equal(json.schema, 'reprise.run/1');
      assert.equal(json.sessions.length, 1);
      assert.equal(json.sessions[0].requests[0].http.method, 'GET');
      assert.deepEqual(
        readdirSync(dir.path).filter((name) => name.endsWith('.sessions.jsonl')),
        [],
        'the file the ended sessions waited in is gone',
      );
    } finally {
      await server.close();
    }
  });

  it('--concurrency at a timed speed is said to apply only at --speed max, and the run goes on', async () => {
    const server = await startRecordingServer('http');
    try {
      const r = await runCli(['replay', GET, '-x', `80-127.0.0.1:${server.port}`, '--concurrency', '5']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /warning: --concurrency applies with --speed max only/);
      assert.match(r.stdout, /sessions\s+1 planned: 1 completed/);
      const max = await runCli([
        'replay',
        GET,
        '-x',
        `80-127.0.0.1:${server.port}`,
        '--concurrency',
        '5',
        '--speed',
        'max',
      ]);
      assert.doesNotMatch(max.stderr, /--concurrency applies/);
    } finally {
      await server.close();
    }
  });

  it('-x given twice: both maps count, as if joined by a comma (the last does not replace the first)', async () => {
    const server = await startRecordingServer('http');
    try {
      const r = await runCli(['replay', GET, '-x', `80-127.0.0.1:${server.port}`, '-x', '8080-127.0.0.1:9']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /sessions\s+1 planned: 1 completed/);
      assert.match(r.stdout + r.stderr, /-x '8080-127\.0\.0\.1:9' selected no captured session/);
    } finally {
      await server.close();
    }
  });

  const bad: Array<[string, string[], RegExp]> = [
    ['a transfer without a target address', ['-x', '80-8080'], /--transfer '80-8080': .*needs an address/],
    ['a port out of range', ['-x', '80-127.0.0.1:70000'], /'70000' is not a port/],
    ['a speed of zero', ['-x', '80-127.0.0.1:1', '--speed', '0'], /--speed: '0' is not a positive number/],
    [
      'a sample over 100%',
      ['-x', '80-127.0.0.1:1', '--sample', '150'],
      /--sample: '150' is not a percentage/,
    ],
    [
      'an unknown transport',
      ['-x', '80-127.0.0.1:1', '--transport', 'carrier-pigeon'],
      /--transport: 'carrier-pigeon'/,
    ],
    [
      'the raw transport without intercepts',
      ['-x', '80-127.0.0.1:1', '--transport', 'raw'],
      /give the intercepts with -s/,
    ],
    [
      'a client pool without the raw transport',
      ['-x', '80-127.0.0.1:1', '-c', '10.78.0.x'],
      /-c needs the raw transport/,
    ],
    [
      'intercept connections without the raw transport (-C has a default, so it looked accepted)',
      ['-x', '80-127.0.0.1:1', '-C', '200'],
      /-C needs the raw transport/,
    ],
    [
      'a port shift without the raw transport',
      ['-x', '80-127.0.0.1:1', '-f', '3'],
      /-f needs the raw transport/,
    ],
    [
      'keep-going without the raw transport',
      ['-x', '80-127.0.0.1:1', '--keep-going'],
      /--keep-going needs the raw transport/,
    ],
    [
      'a bad client pool',
      ['-x', '80-127.0.0.1:1', '-s', '127.0.0.1:1', '-c', '10.78.0.300'],
      /10\.78\.0\.300/,
    ],
    [
      'an intercept that is not there',
      ['-x', '80-127.0.0.1:1', '-s', '127.0.0.1:1'],
      /127\.0\.0\.1:1.*is `reprise intercept` running there/,
    ],
    [
      'a report in a directory that does not exist',
      ['-x', '80-127.0.0.1:1', '--report', '/nonexistent/dir/run.json'],
      /--report \/nonexistent\/dir\/run\.json: cannot write in \/nonexistent\/dir \(ENOENT\)/,
    ],
    [
      'a report path that is a directory',
      ['-x', '80-127.0.0.1:1', '--report', '/tmp'],
      /--report \/tmp: is a directory/,
    ],
    [
      'a report name too long for the file its sessions wait in',
      ['-x', '80-127.0.0.1:1', '--report', `/tmp/${'r'.repeat(240)}.json`],
      /--report \/tmp\/r+\.json: cannot create \/tmp\/r+\.json\.\d+\.[0-9a-f]+\.sessions\.jsonl \(ENAMETOOLONG\)/,
    ],
  ];
  for (const [what, flags, message] of bad) {
    it(`refuses ${what} with one clear line and exit code 2`, async () => {
      const r = await runCli(['replay', GET, ...flags]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }

  it('refuses a missing capture file, naming it', async () => {
    const r = await runCli(['replay', '/nonexistent/x.pcap', '-x', '80-127.0.0.1:1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\/nonexistent\/x\.pcap: no such file/);
  });

  it('a capture without a TCP session: exit 2 naming it, not an empty run that looks fine', async () => {
    const empty = join(dir.path, 'no-tcp.pcap');
    await createPcapWriter(empty, { linkType: LinkType.ETHERNET }).close();
    const r = await runCli(['replay', empty, '-x', '80-127.0.0.1:1', '--speed', 'max']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no-tcp\.pcap holds no TCP session: nothing to replay/);
  });

  it('a capture whose snap length cut the requests: replayed, with one warning naming the cause', async () => {
    const cut = join(dir.path, 'snap80.pcap');
    const writer = createPcapWriter(cut, { linkType: LinkType.ETHERNET, snapLength: 80 });
    await forEachRecord(GET, (r) =>
      writer.write(
        r.tsSec,
        r.tsNsec,
        r.buf.subarray(r.offset, r.offset + r.capturedLength),
        r.originalLength,
      ),
    );
    await writer.close();
    const server = await startRecordingServer('http');
    try {
      const args = [
        'replay',
        cut,
        '-x',
        `80-127.0.0.1:${server.port}`,
        '--speed',
        'max',
        '--session-timeout',
        '1',
      ];
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /warning: 1 captured request \(in 1 session\) misses bytes the capture does not hold .*snap length cut 1 client segment/,
      );
    } finally {
      await server.close();
    }
  });

  it('a hangup (terminal closed) stops the run with its report written, then ends by SIGHUP', async () => {
    const server = await startRecordingServer('http');
    const out = join(dir.path, 'hup');
    mkdirSync(out);
    try {
      const report = join(out, 'hup.json');
      const r = await runCli(
        [
          'replay',
          projectPath('recordings', 'demo-shop.pcap'),
          '-x',
          `8080-127.0.0.1:${server.port}`,
          '--report',
          report,
        ],
        // Once the run is under way (its spill file beside the report exists): a fixed delay
        // would race the start-up, which takes seconds when the sources run through tsx.
        { onSpawn: (child) => hangUpOnceRunning(child, out) },
      );
      assert.equal(r.signal, 'SIGHUP', r.stderr);
      const json = JSON.parse(readFileSync(report, 'utf8'));
      assert.equal(json.sessions.length, json.totals.sessions.planned);
      assert.ok(json.totals.sessions.byOutcome.stopped > 0, 'sessions still to come were stopped');
      assert.deepEqual(readdirSync(out), ['hup.json'], 'no spill file left beside it');
    } finally {
      await server.close();
    }
  });

  it('a capture corrupt halfway: exit 2 naming the file and offset, and a report of what was planned', async () => {
    const bytes = readFileSync(projectPath('recordings', 'demo-shop.pcap'));
    let offset = -1;
    await forEachRecord(projectPath('recordings', 'demo-shop.pcap'), (r) => {
      if (r.index === 2000) offset = r.fileOffset;
    });
    bytes.writeUInt32LE(0x7ffffff0, offset + 8); // record 2000 claims a 2 GB caplen
    const corrupt = join(dir.path, 'corrupt.pcap');
    writeFileSync(corrupt, bytes);
    const server = await startRecordingServer('http');
    try {
      const report = join(dir.path, 'corrupt.json');
      const r = await runCli([
        'replay',
        corrupt,
        '-x',
        `8080-127.0.0.1:${server.port}`,
        '--speed',
        'max',
        '--report',
        report,
      ]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`corrupt\\.pcap: at byte ${offset}: .*caplen`));
      const json = JSON.parse(readFileSync(report, 'utf8'));
      assert.ok(json.sessions.length > 50, 'the sessions read before the corruption were planned');
      assert.equal(json.sessions.length, json.totals.sessions.planned);
      const stopped = json.sessions.filter((s: { outcome: string }) => s.outcome === 'stopped');
      for (const s of stopped) assert.match(s.reason, /the capture could not be read further/);
    } finally {
      await server.close();
    }
  });

  it('a report that cannot be written at the end is saved in the temporary directory, and says so', async () => {
    const server = await startRecordingServer('http');
    const doomed = join(dir.path, 'doomed');
    mkdirSync(doomed);
    const out = capturedOutput();
    try {
      const run = replay(
        replayConfig([projectPath('recordings', 'demo-shop.pcap')], server.port, 8080, {
          speed: 8,
          reportPath: join(doomed, 'run.json'),
        }),
        out,
      );
      setTimeout(() => rmSync(doomed, { recursive: true }), 300);
      await assert.rejects(run, (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.equal(err.exitCode, 1);
        assert.match(err.message, /doomed\/run\.json: the report could not be written there/);
        return true;
      });
      const saved = /cannot write the report to .*doomed\/run\.json \(ENOENT\); it was saved to (\S+)\n/.exec(
        out.text(),
      );
      assert.ok(saved, out.text());
      try {
        const json = JSON.parse(readFileSync(saved[1], 'utf8'));
        assert.equal(json.sessions.length, 150, 'every session is in the saved report');
        assert.ok(json.totals.requests.answered > 700);
      } finally {
        rmSync(saved[1], { force: true });
      }
      assert.match(out.text(), /sessions\s+150 planned/, 'the summary is printed all the same');
    } finally {
      await server.close();
    }
  });

  it('reprise demo replays the bundled recording against its built-in target (the README command)', async () => {
    const report = join(dir.path, 'demo.json');
    const r = await runCli(['demo', '--speed', 'max', '--report', report], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(readFileSync(report, 'utf8'));
    assert.equal(json.totals.sessions.planned, 150);
    assert.equal(json.totals.sessions.completed, 150);
    assert.ok(json.totals.requests.answered > 700);
  });

  it('output into a pipe closed early (| head): the run finishes and writes its report, exit 0', async () => {
    const report = join(dir.path, 'demo-head.json');
    const r = await runCli(['demo', '--speed', 'max', '--report', report], {
      timeoutMs: 120_000,
      onSpawn: (child) => child.stdout?.once('data', () => child.stdout?.destroy()),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|Unhandled 'error' event/);
    assert.equal(JSON.parse(readFileSync(report, 'utf8')).totals.sessions.completed, 150);
  });
});

/** Sends SIGHUP shortly after a file appears in `dir`, or after 20 s at the latest. */
function hangUpOnceRunning(child: ChildProcess, dir: string): void {
  const startedMs = Date.now();
  const poll = setInterval(() => {
    if (readdirSync(dir).length === 0 && Date.now() - startedMs < 20_000) return;
    clearInterval(poll);
    setTimeout(() => child.kill('SIGHUP'), 300);
  }, 50);
}
