/**
 * Socket replay of real HTTP captures against a loopback server that keeps every byte it
 * receives: each replayed connection must carry exactly the captured client bytes, request by
 * request, in the session's order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replay } from '../../src/replay/replay.ts';
import { CORPUS, capturedSessions, clientBytes } from '../helpers/captured.ts';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';

const captures = [
  'zeek_http_get.pcap',
  'zeek_http_bro.org.pcap',
  'zeek_http_methods.pcap',
  'zeek_http_pipelined-requests.pcap',
  'zeek_http_1000-requests-one-dropped-response.pcap',
  'zeek_http_post-large.pcap',
  'zeek_http_get_nosyn.pcap',
];

describe('socket replay of corpus HTTP captures', () => {
  let server: RecordingServer;
  before(async () => {
    server = await startRecordingServer('http');
  });
  after(() => server.close());

  for (const name of captures) {
    it(`${name}: the target receives exactly the captured client bytes, session by session`, async () => {
      const path = CORPUS + name;
      const sessions = (await capturedSessions(path)).filter((s) => s.server.port === 80);
      server.connections.length = 0;
      const out = capturedOutput();
      const { report } = await replay(replayConfig([path], server.port, 80), out);

      assert.equal(report.sessions.length, sessions.length, 'every captured session is in the report');
      for (const result of report.sessions) {
        const session = sessions.find((s) => s.id === result.sessionId);
        assert.ok(session, `session ${result.sessionId} was captured`);
        assert.equal(result.outcome, 'completed', `session ${result.sessionId}: ${result.reason}`);
        assert.equal(result.requests.length, session.requests.length);
        const conn = server.connections.find((c) => c.remote === result.replayedFrom);
        assert.ok(conn, `a connection from ${result.replayedFrom}`);
        const received = Buffer.concat(conn.bytes);
        const expected = clientBytes(session);
        assert.equal(received.length, expected.length, `session ${result.sessionId}: byte count`);
        let at = 0;
        for (const request of session.requests) {
          assert.ok(
            received.subarray(at, at + request.data.length).equals(request.data),
            `session ${result.sessionId} request ${request.index} arrived intact and in order`,
          );
          at += request.data.length;
        }
      }
    });
  }
});

describe('socket replay of captures a target cannot answer as recorded (a line-answering target)', () => {
  let server: RecordingServer;
  before(async () => {
    server = await startRecordingServer('line');
  });
  after(() => server.close());

  // Session 0's request segment is filed after the server's answer, which acknowledges it (its
  // time stamp is 244 µs earlier): the flow layer holds the answer for it (src/flow/held-answer.ts),
  // so the request goes, as the three other sessions' do.
  it('zeek_ipv6-http-atomic-frag.pcap: a request filed after its answer still goes, in every session', async () => {
    const path = `${CORPUS}zeek_ipv6-http-atomic-frag.pcap`;
    const { report } = await replay(replayConfig([path], server.port, 80), capturedOutput());

    assert.equal(report.totals.requests.planned, 4);
    assert.equal(report.totals.requests.notCaptured ?? 0, 0);
    assert.equal(report.totals.requests.sent, 4);
    for (const result of report.sessions) {
      assert.equal(result.outcome, 'completed', `session ${result.sessionId}: ${result.reason}`);
      const conn = server.connections.find((c) => c.remote === result.replayedFrom);
      assert.equal(Buffer.concat(conn?.bytes ?? []).toString('latin1'), 'GET /bad.html\r\n');
    }
  });

  it('zeek_tls_openjdk_sll2.pcap: the bytes go, and the run warns that recorded TLS cannot complete', async () => {
    const out = capturedOutput();
    const { report } = await replay(
      replayConfig([`${CORPUS}zeek_tls_openjdk_sll2.pcap`], server.port, 443),
      out,
    );
    assert.equal(report.totals.requests.sent, report.totals.requests.planned);
    assert.match(
      out.text(),
      /reprise: warning: 1 captured session opens with a TLS ClientHello \(1 port: 443\)/,
    );
    // Kept in the report too: a CI job that keeps only the reports still has it.
    assert.equal(report.warnings?.length, 1);
    assert.match(report.warnings?.[0] ?? '', /^1 captured session opens with a TLS ClientHello/);
  });

  it('zeek_http_get.pcap: a run with nothing to warn about has no warnings in its report', async () => {
    const { report } = await replay(
      replayConfig([`${CORPUS}zeek_http_get.pcap`], server.port, 80),
      capturedOutput(),
    );
    assert.equal(report.warnings, undefined);
  });
});
