import type { StopReason } from './control.ts';

/**
 * What the live view (Ink RecordView, or the plain progress line) shows about a running
 * recording. A plain object: the recorder makes a fresh one on request.
 */
export interface RecordStats {
  /** Milliseconds since recording started. */
  elapsedMs: number;
  /** Packets written. */
  packets: number;
  /** Bytes written to all files, file and record headers included. */
  bytes: number;
  /** Packets per second over the last sampling interval. */
  packetsPerSecond: number;
  /** TCP sessions whose SYN was seen since the start. */
  sessionsNew: number;
  /** Of those, the ones not yet closed (no RST, no FIN from both sides). */
  sessionsActive: number;
  /** Server ports by number of sessions opened to them, busiest first (at most 5). */
  serverPorts: { port: number; sessions: number }[];
  /** Packets libpcap or the kernel dropped (pcap_stats). */
  dropped: number;
  /** Packets the interface dropped since the start; null when not known (e.g. device `any`). */
  ifDropped: number | null;
  /** The file being written ('-' for stdout) and its size. */
  file: string;
  fileBytes: number;
  /** 1-based number of the current file; above 1 only with rotation. */
  fileSequence: number;
  /** Rotation size limit in bytes, and ring length; null when off. */
  rotateBytes: number | null;
  ringFiles: number | null;
  /** Set once recording is stopping. */
  stopReason: StopReason | null;
}
