/**
 * Bug hunt on flag combinations: each test is what a user typed and what they should get back.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectPath } from '../../src/paths.ts';
import { resolveRecordOptions } from '../../src/record/options.ts';
import { UserError } from '../../src/util/user-error.ts';
import { runCli } from '../helpers/cli.ts';
import { corpusFile } from '../helpers/corpus.ts';

const DEMO = projectPath('recordings', 'demo-shop.pcap');
const BIN = projectPath('bin', 'reprise.js');
/** A loopback port nobody listens on: every session is refused at once. */
const NOBODY = '8080-127.0.0.1:9';
const STACK_LINE = /^\s+at /m;

/** Runs `reprise <args>` with its stdout on /dev/full, where every write fails with ENOSPC. */
function runIntoFullDisk(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe'],
      env: { ...process.env, CI: '1' },
    });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('hunt 5: flag combinations and outputs', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rp-hunt5-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a stdout that cannot be written (a full disk) is one line naming it, not a stack trace', {
    skip: existsSync('/dev/full') ? false : 'no /dev/full',
  }, async () => {
    for (const args of [
      ['inspect', DEMO],
      ['replay', DEMO, '-x', NOBODY, '--speed', 'max', '--no-tui', '--report', file('full.json')],
    ]) {
      const run = await runIntoFullDisk(args);
      assert.doesNotMatch(run.stderr, STACK_LINE, `${args[0]}: ${run.stderr}`);
      assert.match(run.stderr, /^reprise: .*stdout.*ENOSPC/m, `${args[0]}: ${run.stderr}`);
      assert.notEqual(run.code, 0);
    }
  });

  it('record -C smaller than a byte is refused naming -C (not a RangeError from the recorder)', () => {
    assert.throws(
      () => resolveRecordOptions({ fileSize: '0.0000001', write: file('r.pcap') }, [], new Date()),
      (err: unknown) => err instanceof UserError && /-C/.test(err.message),
    );
  });

  it('--report naming the capture being replayed is refused and the capture is kept', async () => {
    const capture = file('baseline.pcap');
    await copyFile(DEMO, capture);
    const run = await runCli([
      'replay',
      capture,
      '-x',
      NOBODY,
      '--speed',
      'max',
      '--no-tui',
      '--report',
      capture,
    ]);
    assert.deepEqual(await readFile(capture), await readFile(DEMO), 'the capture was overwritten');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--report/);
  });

  it('compare --html naming one of the reports compared is refused and the report is kept', async () => {
    const report = file('html-base.json');
    const made = await runCli([
      'replay',
      DEMO,
      '-x',
      NOBODY,
      '--speed',
      'max',
      '--no-tui',
      '--report',
      report,
    ]);
    assert.equal(made.code, 0, made.stderr);
    const before = await readFile(report, 'utf8');
    const run = await runCli(['compare', report, report, '--html', report]);
    assert.equal(await readFile(report, 'utf8'), before, 'the report was overwritten');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--html/);
  });

  it("--report '' is refused, not a run that silently writes no report", async () => {
    const run = await runCli(['replay', DEMO, '-x', NOBODY, '--speed', 'max', '--no-tui', '--report', '']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--report/);
  });

  it('--transport socket with -s is refused, not a socket run that ignores the intercepts', async () => {
    const args = ['replay', DEMO, '-x', NOBODY, '--speed', 'max', '--no-tui'];
    const run = await runCli([...args, '--transport', 'socket', '-s', '127.0.0.1']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /-s/);
  });

  it('a transfer map that selects nothing fails at once, not after the capture timeline (12 s) has passed', async () => {
    const started = Date.now();
    const run = await runCli(['replay', DEMO, '-x', '9999-127.0.0.1:9', '--no-tui'], { timeoutMs: 30_000 });
    const tookMs = Date.now() - started;
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /selected none/);
    assert.ok(tookMs < 6000, `took ${tookMs} ms to find that -x selects nothing`);
  });

  it('a later capture that is not a capture file is refused before the run, not after replaying the ones before it', async () => {
    const notCapture = file('notes.pcap');
    await writeFile(notCapture, 'these are notes, not packets\n');
    const args = ['replay', DEMO, notCapture, '-x', NOBODY, '--speed', '4', '--no-tui'];
    const run = await runCli([...args, '--report', file('two.json')]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /notes\.pcap: .*not a capture file/);
    assert.equal(run.stdout, '', 'the first capture was replayed before the second was found unreadable');
    assert.equal(existsSync(file('two.json')), false, 'a report of a run that should not have started');
  });

  it('-x with the captured IPv6 server spelled in capitals or uncompressed selects its sessions', async () => {
    const capture = corpusFile('zeek_ipv6-http-atomic-frag.pcap');
    for (const server of ['[2001:DB8:1::1]:80', '[2001:db8:1:0:0::1]:80']) {
      const args = ['replay', capture, '-x', `${server}-127.0.0.1:9`, '--speed', 'max', '--no-tui'];
      const run = await runCli(args);
      assert.equal(run.code, 0, `${server}: ${run.stderr}`);
      assert.match(run.stdout, /sessions +4 planned/, server);
    }
  });

  it('compare does not warn about --concurrency when neither run was at --speed max (where it applies)', async () => {
    for (const [name, flags] of [
      ['one.json', ['--concurrency', '1']],
      ['many.json', []],
    ] as const) {
      const args = ['replay', DEMO, '-x', NOBODY, '--speed', '50', '--no-tui', '--report', file(name)];
      const run = await runCli([...args, ...flags]);
      assert.equal(run.code, 0, run.stderr);
    }
    const run = await runCli(['compare', '--json', file('one.json'), file('many.json')]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((JSON.parse(run.stdout) as { warnings: string[] }).warnings, []);
  });
});
