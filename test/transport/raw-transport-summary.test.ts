import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawTransport } from '../../src/transport/raw.ts';
import type { PacketSender, SenderStats } from '../../src/transport/raw-sender.ts';

// A stand-in sender: this test is about what the transport says at the end, not about sending.
function senderWith(stats: SenderStats): PacketSender {
  return { name: 'fake', send: () => {}, stats, close: async () => {} };
}

describe('raw transport: the closing line', () => {
  it('names why packets failed, the most frequent error first', async () => {
    const lines: string[] = [];
    const transport = new RawTransport({
      sender: senderWith({
        sent: 90,
        failed: 10,
        errors: { 'No route to host': 3, 'Operation not permitted': 7 },
        retried: 0,
        queuedPeak: 0,
      }),
      routes: { add: () => {}, del: () => {}, flush: () => {}, close: () => {} },
      rewrite: { seed: 1, portShift: 0 },
      engine: {},
      warn: (line) => lines.push(line),
      clientsText: 'the captured client addresses',
    });
    await transport.close();
    assert.match(
      lines.join('\n'),
      /90 packets sent \(10 failed: Operation not permitted ×7, No route to host ×3\)/,
    );
    assert.deepEqual(transport.counters(), {
      packetsSent: 90,
      packetsFailed: 10,
      responseHeaders: 0,
      unroutableHeaders: 0,
      undecodableHeaders: 0,
    });
  });

  it('counts and names records from intercept that are no TCP/IPv4 header', async () => {
    const lines: string[] = [];
    const transport = new RawTransport({
      sender: senderWith({ sent: 0, failed: 0, errors: {}, retried: 0, queuedPeak: 0 }),
      routes: { add: () => {}, del: () => {}, flush: () => {}, close: () => {} },
      rewrite: { seed: 1, portShift: 0 },
      engine: {},
      warn: (line) => lines.push(line),
      clientsText: 'the captured client addresses',
    });
    for (let i = 0; i < 3; i++) transport.onRecord(Buffer.alloc(64, 0xab));
    await transport.close();
    assert.match(
      lines.join('\n'),
      /3 response headers from intercept \(0 unroutable, 3 not a TCP\/IPv4 header/,
    );
    assert.equal(transport.counters().undecodableHeaders, 3);
  });
});
