/**
 * Builds the raw transport from the user's options, checking everything that can fail before the
 * run starts: the privilege to send raw packets (or the --send-link device), the client pool, the
 * MSS/MTU, and every intercept (each must accept a connection). Errors are UserErrors that name
 * the flag or the peer and the likely cause.
 */
import { isIPv4 } from 'node:net';
import { InterceptClient, InterceptUnreachableError } from '../intercept/client.ts';
import { InterceptEndpointError, parseInterceptList } from '../intercept/endpoints.ts';
import { parseClientPool } from '../replay/client-pool.ts';
import type { EngineOptions } from '../replay/engine/types.ts';
import { MAX_PORT_SHIFT } from '../replay/port-shift.ts';
import { UserError } from '../util/user-error.ts';
import { LinkSender } from './link-sender.ts';
import { RawTransport } from './raw.ts';
import { type PacketSender, RawSenderError, RawSocketSender } from './raw-sender.ts';
import { checkSegmentSizes, segmentSize } from './segment-size.ts';

/** The raw transport's own flags (tcpcopy's letters). */
export interface RawOptions {
  /** `-s`: intercepts as `host[:port],...`. */
  intercepts: string;
  /** `-C`: connections to each intercept. */
  connectionsEach: number;
  /** `--keep-going`: reconnect to an intercept that went away instead of failing the run. */
  keepGoing: boolean;
  /** `-c`: client pool; the captured client addresses when absent. */
  clientIps?: string;
  /** `-f`: port shift 0..MAX_PORT_SHIFT. */
  portShift: number;
  /** tcpcopy's `-M`: MTU toward the target; segments are cut to MTU - 40. */
  mtu?: number;
  /** tcpcopy's `-D`: the MSS announced and cut to. */
  mss?: number;
  /** `--send-link <device>`: send Ethernet frames through libpcap instead of a raw IP socket. */
  sendLink?: string;
}

export interface RawTransportConfig extends RawOptions {
  seed: number;
  /** Target addresses of the transfer map (--send-link resolves their next hops up front). */
  targets: string[];
  /** Session engine options from the shared replay flags (noWait, sessionTimeoutUs, ...). */
  engine: Partial<EngineOptions>;
  warn(message: string): void;
  /** The replay cannot go on (an intercept went away without --keep-going): `reason` says why. */
  onFatal?: (reason: string) => void;
  tap?: (packet: Buffer) => void;
  noFeedbackWarnMs?: number;
}

export async function createRawTransport(config: RawTransportConfig): Promise<RawTransport> {
  const pool = config.clientIps !== undefined ? parseClientPool(config.clientIps, '-c') : undefined;
  if (!(Number.isInteger(config.portShift) && config.portShift >= 0 && config.portShift <= MAX_PORT_SHIFT)) {
    throw new UserError(`-f: '${config.portShift}' is not a whole number from 0 to ${MAX_PORT_SHIFT}`);
  }
  checkSegmentSizes(config.mtu, config.mss);
  const mss = segmentSize(config.mtu, config.mss);
  const endpoints = parseEndpoints(config.intercepts);
  const sender = openSender(config.sendLink);
  if (sender instanceof LinkSender) {
    try {
      for (const target of new Set(config.targets.filter((t) => isIPv4(t)))) await sender.resolve(target);
    } catch (err) {
      await sender.close();
      if (err instanceof RawSenderError) throw new UserError(err.message);
      throw err;
    }
  }
  let transport: RawTransport | undefined;
  let client: InterceptClient;
  try {
    client = await InterceptClient.connect({
      endpoints,
      connectionsEach: config.connectionsEach,
      keepGoing: config.keepGoing,
      onRecord: (record) => transport?.onRecord(record),
      onEvent: (event) => {
        if (event.kind === 'reconnected') {
          config.warn(
            `intercept ${event.intercept} is back; ${event.routesResent} active route(s) sent again`,
          );
        } else if (event.reconnecting) {
          config.warn(`lost intercept ${event.intercept} (${event.reason}); reconnecting (--keep-going)`);
        } else {
          const reason = `lost intercept ${event.intercept} (${event.reason})`;
          config.warn(`${reason}; without --keep-going the replay stops`);
          transport?.fail(reason);
          config.onFatal?.(reason);
        }
      },
    });
  } catch (err) {
    await sender.close();
    if (err instanceof InterceptUnreachableError) throw new UserError(`-s: ${err.message}`);
    if (err instanceof RangeError) throw new UserError(err.message);
    throw err;
  }
  transport = new RawTransport({
    sender,
    routes: client,
    rewrite: { seed: config.seed, portShift: config.portShift, ...(pool ? { pool } : {}) },
    engine: { ...config.engine, ...(mss !== undefined ? { mss } : {}) },
    warn: config.warn,
    clientsText: pool ? pool.text : 'the captured client addresses',
    ...(config.tap ? { tap: config.tap } : {}),
    ...(config.noFeedbackWarnMs !== undefined ? { noFeedbackWarnMs: config.noFeedbackWarnMs } : {}),
  });
  return transport;
}

function parseEndpoints(text: string) {
  try {
    return parseInterceptList(text);
  } catch (err) {
    if (err instanceof InterceptEndpointError) throw new UserError(err.message);
    throw err;
  }
}

function openSender(sendLink: string | undefined): PacketSender {
  try {
    return sendLink !== undefined ? new LinkSender(sendLink) : new RawSocketSender();
  } catch (err) {
    if (err instanceof RawSenderError) throw new UserError(err.message);
    throw err;
  }
}
