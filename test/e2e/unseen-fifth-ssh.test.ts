/**
 * SSH: OpenSSH's sshd on a loopback port (a throwaway host key, key auth) and `ssh ... 'echo hi;
 * sleep 1; echo bye'`, recorded with `reprise record -i lo` and replayed over the socket transport.
 * The key exchange is made anew against the target, so the recorded session cannot complete: the
 * run should say so, as it does for TLS, and end the session when the target gives up on it, not
 * wait out the session timeout for an answer sshd sent ahead (its KEXINIT follows its banner at
 * once, before the client's KEXINIT: see unseen-fifth-speak-ahead.test.ts).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { replay } from '../../src/replay/replay.ts';
import { capturedSessions } from '../helpers/captured.ts';
import { waitForOutput } from '../helpers/netns.ts';
import { recordLoopback } from '../helpers/record-loopback.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { tempDir } from '../helpers/synthetic.ts';

const SSHD = '/usr/sbin/sshd';
const SESSION_TIMEOUT_MS = 8000;

function whySkip(): string | false {
  if (process.getuid?.() !== 0) return 'recording on lo needs root (libpcap); sshd needs root';
  if (spawnSync(SSHD, ['-V']).error) return 'openssh-server is not installed';
  if (spawnSync('ssh', ['-V']).error) return 'openssh-client is not installed';
  return false;
}
const skip = whySkip();
if (skip) console.log(`# skipped: SSH replay: ${skip}`);

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function keygen(path: string): void {
  const made = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
  if (made.status !== 0) throw new Error(`ssh-keygen ${path}: ${made.stderr}`);
}

describe('socket replay of an SSH session', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  let sshd: ChildProcess | undefined;
  let port = 0;
  let capture = '';

  before(async () => {
    dir = tempDir('rp-unseen-fifth-ssh-');
    const at = (name: string) => join(dir.path, name);
    keygen(at('host_key'));
    keygen(at('user_key'));
    copyFileSync(at('user_key.pub'), at('authorized_keys'));
    chmodSync(at('authorized_keys'), 0o600);
    port = await freePort();
    writeFileSync(
      at('sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${at('host_key')}`,
        `PidFile ${at('sshd.pid')}`,
        `AuthorizedKeysFile ${at('authorized_keys')}`,
        'PasswordAuthentication no',
        'PermitRootLogin yes',
        'UsePAM no',
        'StrictModes no',
        '',
      ].join('\n'),
    );
    spawnSync('mkdir', ['-p', '/run/sshd']);
    sshd = spawn(SSHD, ['-f', at('sshd_config'), '-D', '-e'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await waitForOutput(sshd, 'Server listening');

    capture = at('ssh.pcap');
    await recordLoopback(capture, port, async () => {
      const ssh = spawn(
        'ssh',
        [
          ...['-p', String(port), '-i', at('user_key'), '-o', 'BatchMode=yes'],
          ...['-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${at('known_hosts')}`],
          'root@127.0.0.1',
          'echo hi; sleep 1; echo bye',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      ssh.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const [code] = (await once(ssh, 'close')) as [number];
      assert.equal(code, 0, 'ssh ran its command');
      assert.equal(out, 'hi\nbye\n');
    });
  });

  after(() => {
    if (sshd && sshd.exitCode === null && sshd.signalCode === null) sshd.kill('SIGTERM');
    dir?.cleanup();
  });

  it('records one SSH session whose requests begin with the client banner', async () => {
    const sessions = await capturedSessions(capture);
    assert.equal(sessions.length, 1);
    assert.match(sessions[0]?.requests[0]?.data.toString('latin1') ?? '', /^SSH-2\.0-/);
    assert.ok((sessions[0]?.requests.length ?? 0) > 5, 'key exchange, auth, channel: many requests');
  });

  it('says that a recorded SSH session cannot complete against a server', async () => {
    const output = capturedOutput();
    await replay(
      replayConfig([capture], port, port, {
        speed: Number.POSITIVE_INFINITY,
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
      }),
      output,
    );
    assert.match(
      output.text(),
      /opens with an SSH banner .* after the key exchange/,
      'the run names SSH, as it names TLS',
    );
  });

  it('ends the session when sshd gives up on it, not after the session timeout', async () => {
    const started = performance.now();
    const { report } = await replay(
      replayConfig([capture], port, port, {
        speed: Number.POSITIVE_INFINITY,
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
      }),
      capturedOutput(),
    );
    const session = report.sessions[0];
    assert.notEqual(session?.outcome, 'completed', 'the recorded keys cannot match');
    assert.notEqual(session?.outcome, 'timed-out', session?.reason);
    assert.ok((session?.requests.length ?? 0) > 2, 'the key exchange got past the KEXINITs');
    assert.ok(performance.now() - started < SESSION_TIMEOUT_MS, 'no session timeout waited out');
  });
});
