/**
 * The synthetic sessions of the intercept benchmark, shared by its blaster (which sends their
 * responses) and its client (which registers their routes): response i belongs to session
 * i mod SESSIONS, a client address in 10.78.0.0/24 and a client port, from the target 10.77.0.2:8080.
 */
export const TARGET_IP = 0x0a4d0002; // 10.77.0.2
export const TARGET_PORT = 8080;
const CLIENT_NET = 0x0a4e0000; // 10.78.0.0
export const CLIENT_ADDRESSES = 250; // 10.78.0.1 - 10.78.0.250
export const PORTS_PER_CLIENT = 40;
const FIRST_CLIENT_PORT = 20_000;
export const SESSIONS = CLIENT_ADDRESSES * PORTS_PER_CLIENT;

export function clientIpOf(client: number): number {
  return CLIENT_NET + 1 + client;
}

/** Session of response i: its client (address index) and its client port. */
export function sessionOf(i: number): { client: number; port: number } {
  const session = i % SESSIONS;
  return {
    client: session % CLIENT_ADDRESSES,
    port: FIRST_CLIENT_PORT + Math.floor(session / CLIENT_ADDRESSES),
  };
}
