import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDifferences } from '../../src/report/load-differences.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { runReport } from './fixtures.ts';

const latenciesMs = [1.6, 1.6, 1.6];

function run(transport: string, options: Record<string, unknown>): RunReport {
  return { ...runReport({ latenciesMs }), transport, options };
}

describe('load differences between two runs', () => {
  it('reads numbers as numbers: 1, 1.0 and 1e0 are one speed, 50 and 50% one sample', () => {
    assert.deepEqual(
      loadDifferences(
        run('socket', { speed: '1', sample: '50', seed: '7' }),
        run('socket', { speed: '1.0', sample: '50%', seed: '07' }),
      ),
      [],
    );
    assert.deepEqual(loadDifferences(run('socket', { speed: 1 }), run('socket', { speed: '1e0' })), []);
    assert.deepEqual(loadDifferences(run('socket', { speed: 'max' }), run('socket', { speed: 'MAX' })), []);
    assert.deepEqual(loadDifferences(run('socket', { speed: '1' }), run('socket', { speed: '1.5' })), [
      'the runs used different --speed: 1 and 1.5',
    ]);
  });

  it('takes an option an older report lacks as its default, and says "not given" of a switch left off', () => {
    const old = run('socket', { speed: 1 });
    const current = run('socket', {
      speed: '1',
      concurrency: '100',
      loop: '1',
      sample: '100',
      wait: true,
      sessionTimeout: '30',
      multiply: '1',
      seed: '1',
      interceptConnections: '1',
      portShift: '0',
    });
    assert.deepEqual(loadDifferences(old, current), []);
    assert.deepEqual(loadDifferences(old, run('socket', { wait: false, onlyComplete: true })), [
      'the runs used different --only-complete: not given and given',
      'the runs used different --no-wait: not given and given',
    ]);
  });

  it('warns when the transports differ, without also listing the raw-only flags', () => {
    assert.deepEqual(
      loadDifferences(run('socket', {}), run('raw', { intercepts: '10.0.0.3', mtu: '1000', mss: '900' })),
      ['the runs used different transports: socket and raw'],
    );
  });

  it('compares --concurrency only when a run was at --speed max, --max-idle only when one was not', () => {
    const at = (speed: string, options: Record<string, unknown>) => run('socket', { speed, ...options });
    assert.deepEqual(loadDifferences(at('50', { concurrency: '1' }), at('50', {})), []);
    assert.deepEqual(loadDifferences(at('max', { concurrency: '1' }), at('max', {})), [
      'the runs used different --concurrency: 1 and 100',
    ]);
    assert.deepEqual(loadDifferences(at('max', { maxIdle: '500' }), at('max', {})), []);
    assert.deepEqual(loadDifferences(at('2', { maxIdle: '500' }), at('2', {})), [
      'the runs used different --max-idle: 500 and not given',
    ]);
    assert.deepEqual(
      loadDifferences(at('max', { concurrency: '1', maxIdle: '500' }), at('50', {})),
      [
        'the runs used different --speed: max and 50',
        'the runs used different --concurrency: 1 and 100',
        'the runs used different --max-idle: 500 and not given',
      ],
      'one run at max: both options shaped one of the loads',
    );
  });

  it('warns when two raw runs used different -C, -c, or segment sizes (-M/-D), and not for other intercepts', () => {
    const base = { intercepts: '10.77.0.3', interceptConnections: '1', mtu: '1500' };
    assert.deepEqual(loadDifferences(run('raw', base), run('raw', { ...base, intercepts: '10.77.0.4' })), []);
    assert.deepEqual(
      loadDifferences(
        run('raw', base),
        run('raw', {
          ...base,
          interceptConnections: '4',
          clientIps: '10.78.0.0/24',
          mtu: '1000',
          mss: '900',
        }),
      ),
      [
        'the runs used different -C: 1 and 4',
        'the runs used different -c: not given and 10.78.0.0/24',
        'the runs cut requests to different segment sizes (-M/-D): 1460 bytes and 900 bytes',
      ],
    );
    assert.deepEqual(loadDifferences(run('raw', { mtu: '1000' }), run('raw', { mtu: '1000.0' })), []);
    assert.deepEqual(
      loadDifferences(run('raw', { mtu: '1500' }), run('raw', { mss: '1460' })),
      [],
      '-M 1500 and -D 1460 cut alike',
    );
    assert.deepEqual(loadDifferences(run('raw', {}), run('raw', { mss: '536' })), [
      'the runs cut requests to different segment sizes (-M/-D): as captured and 536 bytes',
    ]);
  });

  it('ignores raw-only flags between two socket runs (their defaults are recorded there too)', () => {
    assert.deepEqual(loadDifferences(run('socket', { interceptConnections: '4' }), run('socket', {})), []);
  });

  it('warns when the transfer maps select other captured servers, not when they only send elsewhere', () => {
    const x = (transfer: string) => run('socket', { transfer });
    assert.deepEqual(loadDifferences(x('80-127.0.0.1:8080'), x('80-10.0.0.2:9090')), []);
    assert.deepEqual(
      loadDifferences(x('80-10.0.0.2:1,443-10.0.0.2:2'), x('443-127.0.0.1:3, 80-127.0.0.1:4')),
      [],
    );
    assert.deepEqual(loadDifferences(run('socket', {}), x('80-127.0.0.1:8080')), []);
    assert.deepEqual(
      loadDifferences(x('80-127.0.0.1:8080'), x('10.0.0.5:80-127.0.0.1:8080,443-127.0.0.1:8443')),
      ['the runs replayed different captured servers (-x): 80 and 10.0.0.5:80,443'],
    );
  });
});

describe('load differences: a run stopped before it read all its sessions', () => {
  it('warns from the report’s stopped, which a run stopped before its first session only has', () => {
    const stoppedEarly: RunReport = { ...run('socket', {}), stopped: 'by the user' };
    assert.deepEqual(loadDifferences(run('socket', {}), stoppedEarly), [
      'the candidate run was stopped by the user: sessions it had not read by then are not in it',
    ]);
  });
});
