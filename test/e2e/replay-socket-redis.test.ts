/** A non-HTTP protocol over the socket transport: real Redis captures against a real redis-server. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replay } from '../../src/replay/replay.ts';
import { CORPUS, capturedSessions, clientBytes } from '../helpers/captured.ts';
import { countRedisCommands, type RedisServer, redisAvailable, startRedis } from '../helpers/redis.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';

const skip = redisAvailable()
  ? false
  : 'redis-server is not installed (scripts/setup.sh installs it as root)';

describe('socket replay of Redis captures', { skip }, () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.stop());

  it('a pipelined mass insert creates every captured key', async () => {
    const path = `${CORPUS}zeek_redis_bulk-loading.pcap`;
    const [session] = await capturedSessions(path);
    const sets = countRedisCommands(clientBytes(session)).get('SET') ?? 0;
    assert.ok(sets > 100, 'the capture holds a mass insert');
    await redis.command('FLUSHALL');
    const { report } = await replay(replayConfig([path], redis.port, 6379), capturedOutput());
    assert.equal(report.sessions[0].outcome, 'completed', report.sessions[0].reason);
    assert.equal(await redis.command('DBSIZE'), `:${sets}\r\n`);
  });

  it('redis-benchmark sessions: the server executes exactly the captured commands', async () => {
    const path = `${CORPUS}tcpdump_redis_resp_1_benchmark.pcap`;
    const expected = new Map<string, number>();
    for (const s of await capturedSessions(path)) {
      for (const [name, n] of countRedisCommands(clientBytes(s)))
        expected.set(name, (expected.get(name) ?? 0) + n);
    }
    await redis.command('CONFIG RESETSTAT');
    const { report } = await replay(replayConfig([path], redis.port, 6379), capturedOutput());
    assert.equal(report.totals.sessions.completed, 15);
    const stats = await redis.command('INFO commandstats');
    for (const [name, n] of expected) {
      const calls = new RegExp(`cmdstat_${name.toLowerCase()}(?:\\|\\w+)?:calls=(\\d+)`).exec(stats)?.[1];
      assert.equal(Number(calls), n, `${name} calls`);
    }
  });
});
