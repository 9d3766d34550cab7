/**
 * Where a replayed copy of a session appears to come from: its client address (from the pool,
 * when one is given) and its client port (shifted for copies and other replayers). Pure and
 * seeded: the same seed, options and captured client give the same address and port.
 *
 * Ports. Client ports live in 1024..65535 (PORT_SPAN = 64512 of them). Copy k of a session run by
 * the replayer with port shift f (`-f`) takes the slot s = f * 1024 + k (k <= 1022, f <= 62,
 * so s < 64512 and distinct (f, k) give distinct slots), and
 *
 *   port' = 1024 + ((port - 1024) + s * stride(seed)) mod 64512
 *
 * where stride(seed) is a seed-derived number coprime to 64512 (= 2^10 * 3^2 * 7). Multiplying by
 * a unit of Z/64512 is a bijection, so distinct slots always give distinct ports for the same
 * captured port: copies never collide with each other, and replayers with different `-f` never
 * take the same port for the same captured client. Slot 0 (copy 0, `-f 0`) keeps the captured port
 * (a captured port below 1024 is folded into the range), as tcpcopy does.
 *
 * Addresses. With a pool, captured client address a maps to pool index hash32(seed, a) (stable;
 * two captured clients may share a pool address), and copy k uses the index k further on, so that
 * copies also spread over the pool. Without a pool the captured address is kept.
 */
import { hash32 } from '../util/seeded.ts';
import type { ClientPool } from './client-pool.ts';

const FIRST_PORT = 1024;
const PORT_SPAN = 65536 - FIRST_PORT;
/** Slots one replayer's copies occupy: copies 0..1022 (`-n` <= 1023). */
const SLOTS_PER_SHIFT = 1024;
export const MAX_COPIES = 1023;
export const MAX_PORT_SHIFT = Math.floor(PORT_SPAN / SLOTS_PER_SHIFT) - 1;

export interface ClientRewrite {
  seed: number;
  /** `-c`: the addresses replayed clients come from; the captured ones when absent. */
  pool?: ClientPool;
  /** `-f`: this replayer's port shift, 0..MAX_PORT_SHIFT. */
  portShift: number;
}

export interface RewrittenClient {
  /** IPv4 as an unsigned 32-bit integer. */
  ip: number;
  port: number;
}

/** The client of copy `copy` of a session whose captured client is `ip`:`port` (IPv4, unsigned). */
export function rewriteClient(
  rewrite: ClientRewrite,
  ip: number,
  port: number,
  copy: number,
): RewrittenClient {
  return {
    ip: rewrite.pool ? rewrite.pool.address(hash32(rewrite.seed, 'client', ip) + copy) : ip >>> 0,
    port: shiftedPort(rewrite.seed, rewrite.portShift, port, copy),
  };
}

export function shiftedPort(seed: number, portShift: number, port: number, copy: number): number {
  if (!(Number.isInteger(copy) && copy >= 0 && copy < MAX_COPIES)) {
    throw new RangeError(`copy ${copy} is outside 0..${MAX_COPIES - 1}`);
  }
  if (!(Number.isInteger(portShift) && portShift >= 0 && portShift <= MAX_PORT_SHIFT)) {
    throw new RangeError(`port shift ${portShift} is outside 0..${MAX_PORT_SHIFT}`);
  }
  const slot = portShift * SLOTS_PER_SHIFT + copy;
  const offset = (slot * portStride(seed)) % PORT_SPAN;
  const base = (((port - FIRST_PORT) % PORT_SPAN) + PORT_SPAN) % PORT_SPAN;
  return FIRST_PORT + ((base + offset) % PORT_SPAN);
}

/** A seed-derived stride coprime to 64512 (odd, not a multiple of 3 or 7), away from tiny values. */
function portStride(seed: number): number {
  let stride = 1001 + (hash32(seed, 'port-stride') % (PORT_SPAN - 2002));
  while (stride % 2 === 0 || stride % 3 === 0 || stride % 7 === 0) stride++;
  return stride;
}
