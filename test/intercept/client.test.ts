import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import {
  InterceptClient,
  type InterceptClientEvent,
  InterceptUnreachableError,
} from '../../src/intercept/client.ts';
import { parseInterceptList } from '../../src/intercept/endpoints.ts';
import { TcpFlag } from '../../src/packet/index.ts';
import { fieldsOf, InjectedSource, response, routeFor, settle, startServer, waitFor } from './helpers.ts';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('intercept client', () => {
  it('registers routes with every intercept and receives the records of each', async () => {
    const sourceA = new InjectedSource();
    const sourceB = new InjectedSource();
    const a = await startServer(sourceA);
    const b = await startServer(sourceB);
    cleanup.push(
      () => a.server.close(),
      () => b.server.close(),
    );
    const records: Buffer[] = [];
    const client = await InterceptClient.connect({
      endpoints: parseInterceptList(`127.0.0.1:${a.port},127.0.0.1:${b.port}`),
      connectionsEach: 2,
      onRecord: (r) => records.push(r),
    });
    cleanup.push(() => client.close());
    assert.equal(client.stats.connectionsOpen, 4);
    client.add(routeFor(50000));
    client.add(routeFor(50001));
    await waitFor(
      'routes at both intercepts',
      () => a.server.snapshot().routesActive === 2 && b.server.snapshot().routesActive === 2,
    );
    // Each intercept sees two replayer connections; the two routes hash onto different ones.
    assert.equal(a.server.snapshot().replayers, 2);
    sourceA.emit(response(50000, TcpFlag.SYN | TcpFlag.ACK));
    sourceB.emit(response(50001, TcpFlag.ACK, 1, 10));
    await waitFor('two records', () => records.length === 2);
    assert.deepEqual(records.map((r) => fieldsOf(r).dstPort).sort(), [50000, 50001]);
    client.del(routeFor(50000));
    await waitFor('DEL seen', () => a.server.snapshot().totals.dels === 1);
    assert.equal(client.stats.routesActive, 1);
  });

  it('says which intercept is unreachable and what to check', async () => {
    const port = await freePort();
    await assert.rejects(
      InterceptClient.connect({ endpoints: parseInterceptList(`127.0.0.1:${port}`), onRecord: () => {} }),
      (err: unknown) =>
        err instanceof InterceptUnreachableError &&
        err.message.includes(`127.0.0.1:${port}`) &&
        err.message.includes('ECONNREFUSED') &&
        err.message.includes('is `reprise intercept` running there?'),
    );
  });

  it('with keepGoing, reconnects to a restarted intercept and re-registers the active routes', async () => {
    const source = new InjectedSource();
    const first = await startServer(source);
    const port = first.port;
    const events: InterceptClientEvent[] = [];
    const records: Buffer[] = [];
    const client = await InterceptClient.connect({
      endpoints: [{ host: '127.0.0.1', port }],
      keepGoing: true,
      onRecord: (r) => records.push(r),
      onEvent: (e) => events.push(e),
    });
    cleanup.push(() => client.close());
    client.add(routeFor(51000));
    client.add(routeFor(51001));
    client.del(routeFor(51001));
    await waitFor('route', () => first.server.snapshot().routesActive >= 1);
    await first.server.close();
    await waitFor('lost', () => events.some((e) => e.kind === 'lost'));
    client.add(routeFor(51002)); // while the intercept is down: must still reach it later
    const second = await startServer(source, { port });
    cleanup.push(() => second.server.close());
    await waitFor('reconnected', () => events.some((e) => e.kind === 'reconnected'), 5000);
    await waitFor('routes re-added', () => second.server.snapshot().routesActive === 2);
    assert.deepEqual(
      events.find((e) => e.kind === 'reconnected'),
      {
        kind: 'reconnected',
        intercept: `127.0.0.1:${port}`,
        routesResent: 2,
      },
    );
    source.emit(response(51002, TcpFlag.ACK, 9));
    await waitFor('record after restart', () => records.length === 1);
    assert.equal(fieldsOf(records[0]).dstPort, 51002);
    await settle();
  });
});

describe('-s intercept list', () => {
  it('parses hosts with and without ports, IPv6 in brackets', () => {
    assert.deepEqual(parseInterceptList('10.77.0.3, intercept.local:4000,[::1]:5000'), [
      { host: '10.77.0.3', port: 36524 },
      { host: 'intercept.local', port: 4000 },
      { host: '::1', port: 5000 },
    ]);
  });

  it('names the bad entry', () => {
    assert.throws(() => parseInterceptList('10.77.0.3:99999'), /-s: "10\.77\.0\.3:99999" has port "99999"/);
    assert.throws(() => parseInterceptList(','), /names no intercept/);
    assert.throws(() => parseInterceptList('[::1'), /-s: "\[::1" has a stray bracket/);
    assert.throws(() => parseInterceptList('[::1]5000'), /has a stray bracket/);
  });
});
