/**
 * The socket transport and a request the captured client sent in parts (three readings 300 ms
 * apart, then the server's answer): against a real loopback server that notes when each byte came.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultSocketSessionOptions, SocketSession } from '../../src/transport/socket-session.ts';
import { capturedSession } from '../engine/script.ts';
import { listenForTest } from '../helpers/listen.ts';
import { manualEnv } from './manual-env.ts';
import { plannedSession } from './planned.ts';

const READINGS = 'r1;r2;r3;';

/** Notes when each chunk arrived (ms after the first); answers `ok` once every reading is in. */
function readingsServer() {
  const arrivals: Array<[number, string]> = [];
  let firstMs: number | undefined;
  const server = net.createServer((socket) => {
    let got = '';
    socket.on('data', (d: Buffer) => {
      const now = performance.now();
      firstMs ??= now;
      arrivals.push([now - firstMs, d.toString()]);
      got += d.toString();
      if (got === READINGS) socket.write('ok\n');
    });
    socket.on('error', () => {});
  });
  return { server, arrivals };
}

async function replay(speed: number) {
  const target = readingsServer();
  const server = await listenForTest(target.server);
  const session = capturedSession([
    {
      data: READINGS,
      responseBytes: 3,
      parts: [
        [3, 300_000],
        [6, 600_000],
      ],
    },
  ]);
  const { env, sent, answered, ended } = manualEnv({ realTime: true, speed });
  const driver = new SocketSession(plannedSession(session, server.port), env, defaultSocketSessionOptions);
  try {
    const end = await ended;
    return { end, sent, answered, arrivals: target.arrivals };
  } finally {
    driver.stop();
    await server.close();
  }
}

describe('socket transport: a request sent in parts', () => {
  it('writes each part at its own time, and measures latency from the last', async () => {
    const { end, sent, answered, arrivals } = await replay(1);
    assert.equal(end.outcome, 'completed', end.reason);
    assert.deepEqual(
      arrivals.map(([, text]) => text),
      ['r1;', 'r2;', 'r3;'],
    );
    // Each part at the request's time plus its delay: less the time the connection took to open.
    const [, second, third] = arrivals.map(([ms]) => ms);
    assert.ok(second >= 250 && second < 1_000, `second part ${second} ms after the first`);
    assert.ok(third >= 550 && third < 1_500, `third part ${third} ms after the first`);
    assert.equal(sent.length, 1);
    assert.ok(sent[0].sentMs - sent[0].scheduledMs < 100, 'the pauses are not send lag');
    assert.equal(answered.length, 1);
    assert.ok(
      answered[0].firstByteMs < 100,
      `latency ${answered[0].firstByteMs} ms counts from the last part`,
    );
  });

  it('writes the parts back to back at --speed max', async () => {
    const { end, arrivals } = await replay(Number.POSITIVE_INFINITY);
    assert.equal(end.outcome, 'completed', end.reason);
    assert.equal(arrivals.map(([, text]) => text).join(''), READINGS);
    assert.ok(arrivals.at(-1)![0] < 100, 'no pause kept');
  });

  for (const closes of [false, true]) {
    it(`takes an answer before the last part as the request’s (a 401 to a body’s head)${closes ? ', also when the target closes then' : ''}`, async () => {
      let received = '';
      const server = await listenForTest(
        net.createServer((socket) => {
          socket.on('data', (d: Buffer) => {
            received += d.toString();
            if (received === 'hello\n') socket.write('HI\n');
            else if (received === 'hello\nHEAD\n') {
              socket.write('NO\n');
              if (closes) socket.end();
            }
          });
          socket.on('error', () => {});
        }),
      );
      const session = capturedSession([
        { data: 'hello\n', responseBytes: 3 },
        { data: 'HEAD\nBODY\n', offsetUs: 50_000, responseBytes: 3, parts: [[5, 300_000]] },
      ]);
      const { env, sent, answered, ended } = manualEnv({ realTime: true });
      const driver = new SocketSession(
        plannedSession(session, server.port),
        env,
        defaultSocketSessionOptions,
      );
      try {
        const end = await ended;
        assert.equal(end.outcome, 'completed', end.reason);
        assert.deepEqual(
          answered.map((a) => [a.index, a.responseBytes]),
          [
            [0, 3],
            [1, 3],
          ],
        );
        assert.deepEqual(
          sent.map((r) => r.index),
          [0, 1],
        );
        assert.ok(sent[1].sentMs - sent[1].scheduledMs < 100, 'reported at its answer: the pause is not lag');
        if (!closes) {
          for (let waited = 0; received.length < 16 && waited < 2000; waited += 20) await sleep(20);
          assert.equal(received, 'hello\nHEAD\nBODY\n', 'the rest still went, as captured');
        }
      } finally {
        driver.stop();
        await server.close();
      }
    });
  }

  it('waits past a 100 Continue to the head for the final answer after the body (curl with Expect)', async () => {
    const head = 'PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n';
    const interim = 'HTTP/1.1 100 Continue\r\n\r\n';
    const final = 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n';
    const server = await listenForTest(
      net.createServer((socket) => {
        let received = '';
        socket.on('data', (d: Buffer) => {
          received += d.toString();
          if (received === head) socket.write(interim);
          else if (received === `${head}body`) socket.write(final);
        });
        socket.on('error', () => {});
      }),
    );
    // The captured server sent no 100: curl sent the body after its 1 s wait.
    const session = capturedSession([
      { data: `${head}body`, responseBytes: final.length, parts: [[head.length, 1_000_000]] },
    ]);
    const { env, answered, ended } = manualEnv({ realTime: true, speed: 4 });
    const driver = new SocketSession(plannedSession(session, server.port), env, defaultSocketSessionOptions);
    try {
      const end = await ended;
      assert.equal(end.outcome, 'completed', end.reason);
      assert.deepEqual(
        answered.map((a) => [a.index, a.status, a.responseBytes]),
        [[0, 201, interim.length + final.length]],
      );
    } finally {
      driver.stop();
      await server.close();
    }
  });

  it('ends an answer that began before the last part only after it: a chat server’s reply in two lines counts whole', async () => {
    const server = await listenForTest(
      net.createServer((socket) => {
        let received = '';
        socket.on('data', (d: Buffer) => {
          received += d.toString();
          if (received === 'JOIN #a\n') {
            socket.write(':ok joined\n');
            setTimeout(() => socket.write(':topic\n'), 100);
          }
        });
        socket.on('error', () => {});
      }),
    );
    const session = capturedSession([
      { data: 'JOIN #a\nPRIVMSG #a hi\n', responseBytes: 18, parts: [[8, 300_000]] },
    ]);
    const { env, sent, answered, ended } = manualEnv({ realTime: true });
    const driver = new SocketSession(plannedSession(session, server.port), env, defaultSocketSessionOptions);
    try {
      const end = await ended;
      assert.equal(end.outcome, 'completed', end.reason);
      assert.deepEqual(
        answered.map((a) => [a.index, a.responseBytes]),
        [[0, 18]],
        'both lines, though the quiet after the first passed before the last part',
      );
      assert.ok(sent[0].sentMs >= 250, `reported sent at its last part (${sent[0].sentMs} ms)`);
    } finally {
      driver.stop();
      await server.close();
    }
  });
});
