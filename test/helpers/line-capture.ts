/**
 * A capture of one TCP session of a line protocol, written by hand: handshake, then each request
 * line and its answer (or no answer), then FIN both ways. For tests that need a protocol that is
 * not HTTP, with some requests the server did not answer (a QUIT, a Postgres Terminate).
 */
import { createPcapWriter } from '../../src/capture/pcap-writer.ts';
import { LinkType } from '../../src/capture/record.ts';
import { TcpFlag, writeIpv4Tcp } from '../../src/packet/index.ts';

const { SYN, ACK, PSH, FIN } = TcpFlag;
const CLIENT = 0x0a010001; // 10.1.0.1
const SERVER = 0x0a020002; // 10.2.0.2
const CLIENT_PORT = 40000;

/**
 * Writes the session to `path` (raw IP link type); `exchanges`: each request and its answer, if
 * any; `holdUs`: how long the client keeps the connection open after the last one (a subscriber);
 * `pauseUs`: how long after one exchange the next request comes (requests unanswered in between
 * are parts of one request when the pause is long enough); `glitch`: that packet (from 0) is
 * stamped `aheadUs` ahead of its time, as by a clock glitch.
 */
export async function lineProtocolCapture(
  path: string,
  serverPort: number,
  exchanges: Array<[request: string, answer: string | undefined]>,
  {
    holdUs = 0,
    pauseUs = 20_000,
    glitch,
  }: { holdUs?: number; pauseUs?: number; glitch?: { packet: number; aheadUs: number } } = {},
): Promise<string> {
  const writer = createPcapWriter(path, { linkType: LinkType.RAW });
  const frame = Buffer.alloc(2048);
  let tsUs = 1_700_000_000_000_000;
  let clientSeq = 1000;
  let serverSeq = 5000;
  let packets = 0;
  const send = (fromClient: boolean, flags: number, text = '') => {
    const payload = Buffer.from(text, 'latin1');
    const length = writeIpv4Tcp(
      {
        src: fromClient ? CLIENT : SERVER,
        dst: fromClient ? SERVER : CLIENT,
        srcPort: fromClient ? CLIENT_PORT : serverPort,
        dstPort: fromClient ? serverPort : CLIENT_PORT,
        seq: fromClient ? clientSeq : serverSeq,
        ack: flags & ACK ? (fromClient ? serverSeq : clientSeq) : 0,
        flags,
        window: 65535,
        payload,
      },
      frame,
    );
    const stampUs = packets++ === glitch?.packet ? tsUs + glitch.aheadUs : tsUs;
    writer.write(Math.floor(stampUs / 1e6), (stampUs % 1e6) * 1000, frame.subarray(0, length));
    const advance = payload.length + (flags & (SYN | FIN) ? 1 : 0);
    if (fromClient) clientSeq += advance;
    else serverSeq += advance;
    tsUs += 1000;
  };
  send(true, SYN);
  send(false, SYN | ACK);
  send(true, ACK);
  for (const [request, answer] of exchanges) {
    send(true, PSH | ACK, request);
    if (answer !== undefined) send(false, PSH | ACK, answer);
    else send(false, ACK);
    tsUs += pauseUs;
  }
  tsUs += holdUs;
  send(true, FIN | ACK);
  send(false, FIN | ACK);
  send(true, ACK);
  await writer.close();
  return path;
}
