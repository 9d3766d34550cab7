/**
 * Writes recordings/demo-shop.pcap, the recording `reprise demo` replays: about 12 seconds of
 * synthetic keep-alive HTTP traffic from 150 clients to a shop API on port 8080. Deterministic:
 * running it again gives the same bytes. Run: node --import tsx scripts/make-demo-recording.ts
 */
import { projectPath } from '../src/paths.ts';
import { syntheticHttpTraffic } from '../src/synth/http-traffic.ts';
import { writeSyntheticCapture } from '../src/synth/write.ts';

const path = projectPath('recordings', 'demo-shop.pcap');
const packets = await writeSyntheticCapture(
  path,
  syntheticHttpTraffic({
    sessions: 150,
    requestsPerSession: [2, 9],
    sessionSpacingMs: 70,
    thinkTimeMs: 250,
    serverLatencyMs: 8,
    rttMs: 2,
    serverPort: 8080,
    server: '10.2.0.1',
    paths: [
      '/',
      '/products',
      '/products/42',
      '/products/7',
      '/cart',
      '/search?q=lamp',
      '/checkout',
      '/missing',
    ],
    bodyBytes: 400,
    seed: 2026,
  }),
);
console.log(`${path}: ${packets} packets`);
