/**
 * Recordings of database and messaging clients, made with `reprise record -i lo` itself and
 * replayed over the socket transport against the same real server on loopback: a MariaDB login
 * (the server greets with a salt, so a recorded login with a password cannot authenticate again)
 * and a Redis subscriber that keeps its connection open for messages pushed long after its
 * SUBSCRIBE. Each checks what a user reads in the report against what the target did.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { replay } from '../../src/replay/replay.ts';
import { REPRISE, ROOT } from '../helpers/capture-hosts.ts';
import { capturedSessions } from '../helpers/captured.ts';
import { runCli } from '../helpers/cli.ts';
import { waitForOutput } from '../helpers/netns.ts';
import { recordLoopback } from '../helpers/record-loopback.ts';
import { unusedPort } from '../helpers/recording-server.ts';
import { redisAvailable, startRedis } from '../helpers/redis.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { tempDir } from '../helpers/synthetic.ts';

const root = process.getuid?.() === 0;
const hasMariadb = ['mariadbd', 'mariadb-install-db', 'mariadb'].every(
  (tool) => spawnSync('which', [tool]).status === 0,
);
const skipRedis = !root
  ? 'recording on lo needs root (libpcap)'
  : !redisAvailable()
    ? 'no redis-server'
    : false;
const skipMariadb = !root
  ? 'recording on lo needs root (libpcap)'
  : !hasMariadb
    ? 'no mariadbd, mariadb-install-db and mariadb (apt install mariadb-server mariadb-client)'
    : false;
if (skipRedis) console.log(`# skipped: redis subscriber recording: ${skipRedis}`);
if (skipMariadb) console.log(`# skipped: MariaDB recording: ${skipMariadb}`);

describe('socket replay of a Redis subscriber', { skip: skipRedis }, () => {
  let dir: { path: string; cleanup: () => void };
  before(() => {
    dir = tempDir('rp-unseen-db-');
  });
  after(() => dir.cleanup());

  it('keeps the subscriber connected as long as the captured one was, so it gets every message published meanwhile', async () => {
    const redis = await startRedis();
    try {
      const file = join(dir.path, 'subscriber.pcap');
      await recordLoopback(file, redis.port, async () => {
        const subscriber = net.connect(redis.port, '127.0.0.1');
        await once(subscriber, 'connect');
        let pushed = '';
        subscriber.on('data', (d: Buffer) => {
          pushed += d.toString();
        });
        subscriber.write('SUBSCRIBE news\r\n');
        await sleep(200);
        assert.equal(await redis.command('PUBLISH news first'), ':1\r\n');
        await sleep(1500); // longer than a response is waited for
        assert.equal(await redis.command('PUBLISH news second'), ':1\r\n');
        await sleep(300);
        subscriber.end();
        await once(subscriber, 'close');
        assert.match(pushed, /first[\s\S]*second/);
      });
      const sessions = await capturedSessions(file);
      assert.equal(sessions.length, 3, 'the subscriber and two publishers');
      const capturedFromServer = sessions.reduce((sum, s) => sum + s.bytesFromServer, 0);

      const { report } = await replay(
        replayConfig([file], redis.port, redis.port, { speed: 1 }),
        capturedOutput(),
      );
      assert.deepEqual(report.totals.sessions.byOutcome.completed, 3);
      assert.equal(
        report.totals.bytes.received,
        capturedFromServer,
        'the target sent what it sent in the capture: the subscriber was there for both messages',
      );
    } finally {
      await redis.stop();
    }
  });
});

interface Mariadb {
  port: number;
  sql(statement: string): string;
  stop(): Promise<void>;
}

/** A private mariadbd on a loopback port, its data in `dataDir`; stopped by its PID. */
async function startMariadb(dataDir: string): Promise<Mariadb> {
  execFileSync('mariadb-install-db', [`--datadir=${dataDir}`, '--user=root', '--skip-test-db'], {
    stdio: 'ignore',
  });
  const port = await unusedPort();
  const socketPath = join(dataDir, 'mysqld.sock');
  const server = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      '--user=root',
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${socketPath}`,
      `--pid-file=${join(dataDir, 'mysqld.pid')}`,
      '--skip-name-resolve',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = async () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = once(server, 'exit');
    server.kill('SIGKILL');
    await exited;
  };
  try {
    await waitForOutput(server, /ready for connections/, 60_000);
    server.stdout?.resume(); // its log must not fill a pipe nobody reads
    server.stderr?.resume();
  } catch (err) {
    await stop();
    throw err;
  }
  const sql = (statement: string) =>
    execFileSync('mariadb', [`--socket=${socketPath}`, '-uroot', '-N', '-e', statement], {
      encoding: 'utf8',
    });
  return { port, sql, stop };
}

describe('socket replay of MariaDB clients', { skip: skipMariadb }, () => {
  let dir: { path: string; cleanup: () => void };
  let mariadb: Mariadb;
  let file: string;
  before(async () => {
    dir = tempDir('rp-unseen-db-');
    mariadb = await startMariadb(join(dir.path, 'data'));
    mariadb.sql(
      "CREATE DATABASE hunt; CREATE TABLE hunt.t (id INT PRIMARY KEY, v TEXT); INSERT INTO hunt.t VALUES (1, 'a'), (2, 'b');" +
        "CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'secret'; CREATE USER 'open'@'127.0.0.1';" +
        "GRANT ALL ON hunt.* TO 'app'@'127.0.0.1'; GRANT ALL ON hunt.* TO 'open'@'127.0.0.1';",
    );
    file = join(dir.path, 'mariadb.pcap');
    const client = (user: string[]) =>
      execFileSync(
        'mariadb',
        [
          '-h127.0.0.1',
          `-P${mariadb.port}`,
          ...user,
          'hunt',
          '-e',
          'SELECT * FROM t; SELECT COUNT(*) FROM t',
        ],
        { encoding: 'utf8' },
      );
    await recordLoopback(file, mariadb.port, async () => {
      assert.match(client(['-uopen']), /2/);
      assert.match(client(['-uapp', '-psecret']), /2/);
    });
  });
  after(async () => {
    await mariadb?.stop();
    dir.cleanup();
  });

  /** The replayed session of the captured client that logged in as `user`. */
  async function sessionOf(user: string) {
    const sessions = await capturedSessions(file);
    const captured = sessions.find((s) => s.requests[0]?.data.includes(Buffer.from(`${user}\0`)));
    assert.ok(captured && captured.greetingBytes > 0, `the capture holds ${user}'s login after a greeting`);
    const { report } = await replay(replayConfig([file], mariadb.port, mariadb.port), capturedOutput());
    const session = report.sessions.find((s) => s.sessionId === captured.id);
    assert.ok(session);
    return { captured, session, report };
  }

  it('a login without a password does not depend on the salt: every query is answered, as in the capture', async () => {
    const { captured, session } = await sessionOf('open');
    assert.equal(session.outcome, 'completed', session.reason);
    assert.equal(session.reconnects ?? 0, 0);
    assert.deepEqual(
      session.requests.map((r) => r.responseBytes),
      captured.requests.map((r) => r.responseBytes),
      'the same answers, byte counts as captured',
    );
  });

  it('a login the target refuses (salted by another greeting) ends the session, instead of each query going to a new connection as a login', async () => {
    const connectionsBefore = Number(mariadb.sql("SHOW GLOBAL STATUS LIKE 'Connections'").split('\t')[1]);
    const { session, report } = await sessionOf('app');
    const connectionsAfter = Number(mariadb.sql("SHOW GLOBAL STATUS LIKE 'Connections'").split('\t')[1]);
    assert.equal(session.outcome, 'closed-early', 'the target closed on the login');
    assert.match(session.reason ?? '', /login/);
    assert.equal(session.reconnects ?? 0, 0, 'no new connection for the queries after the login');
    // Two replayed sessions (open, app), and the second status query's own connection.
    assert.equal(connectionsAfter - connectionsBefore, 3, 'one connection per replayed session');
    assert.notEqual(report.totals.sessions.byOutcome.completed, report.totals.sessions.planned);
  });
});

describe('a run report path that is not a plain file', { skip: root ? false : 'mknod needs root' }, () => {
  let dir: { path: string; cleanup: () => void };
  before(() => {
    dir = tempDir('rp-unseen-db-');
  });
  after(() => dir.cleanup());

  /** A replay of part of the demo recording to a closed port: quick, and it still writes its report. */
  async function replayTo(reportPath: string) {
    const port = await unusedPort();
    const demo = join(ROOT, 'recordings/demo-shop.pcap');
    const args = ['replay', demo, '-x', `8080-127.0.0.1:${port}`, '--speed', 'max', '--sample', '5'];
    return runCli([...args, '--no-tui', '--report', reportPath]);
  }

  it('--report /dev/null (a device) is written into, not replaced by a regular file', async () => {
    const device = join(dir.path, 'null'); // a private /dev/null: the machine's own is never at stake
    execFileSync('mknod', ['-m', '666', device, 'c', '1', '3']);
    const result = await replayTo(device);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(lstatSync(device).isCharacterDevice(), 'still the null device');
  });

  it('--report through a symlink writes the file it points to, and keeps the link', async () => {
    const real = join(dir.path, 'real.json');
    const link = join(dir.path, 'link.json');
    writeFileSync(real, '{}');
    symlinkSync(real, link);
    const result = await replayTo(link);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(lstatSync(link).isSymbolicLink(), 'still a link');
    assert.match(readFileSync(real, 'utf8'), /"schema"/, 'the report is where the link points');
  });

  it('--report through a link to a file not there yet creates that file, and keeps the link', async () => {
    const link = join(dir.path, 'to-new.json');
    symlinkSync('new.json', link);
    const result = await replayTo(link);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(lstatSync(link).isSymbolicLink(), 'still a link');
    assert.match(readFileSync(join(dir.path, 'new.json'), 'utf8'), /"schema"/);
  });

  it('--report /dev/stdout appended to a file (>>) keeps what the file had', async () => {
    const log = join(dir.path, 'log.txt');
    writeFileSync(log, 'kept from before\n');
    const port = await unusedPort();
    const demo = join(ROOT, 'recordings/demo-shop.pcap');
    const command = `"${process.execPath}" "${REPRISE}" replay "${demo}" -x 8080-127.0.0.1:${port} --speed max --sample 5 --no-tui --report /dev/stdout >> "${log}"`;
    execFileSync('bash', ['-c', command], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const text = readFileSync(log, 'utf8');
    assert.ok(text.startsWith('kept from before\n'), text.slice(0, 200));
    assert.match(text, /"schema"/, 'the report');
    assert.match(text, /^sessions +\d+ planned/m, 'the summary after it');
  });
});
