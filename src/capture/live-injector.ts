import { loadPcapAddon, problemOf } from './live-addon.ts';
import { LiveCaptureError } from './live-error.ts';

/** Sends whole link-layer frames on a device through libpcap (pcap_inject). */
export interface PacketInjector {
  readonly device: string;
  /** Link type of the frames the device takes (a LINKTYPE_ number; Ethernet is 1). */
  readonly linkType: number;
  /** Sends frame[0, length) as is. Throws the system's reason (e.g. ENOBUFS) when it was not sent. */
  send(frame: Uint8Array, length: number): void;
  /** Safe to call twice; `send` throws afterwards. */
  close(): void;
}

export function openPacketInjector(device: string): PacketInjector {
  const addon = loadPcapAddon();
  let opened: ReturnType<typeof addon.openInjector>;
  try {
    opened = addon.openInjector(device);
  } catch (err) {
    const message = (err as Error).message;
    const problem = problemOf(err);
    const hint = problem === 'no-privilege' ? ': needs root or the CAP_NET_RAW capability' : '';
    throw new LiveCaptureError(problem, `cannot send on '${device}'${hint} (libpcap: ${message})`);
  }
  const { handle, linkType } = opened;
  let open = true;
  return {
    device,
    linkType,
    send(frame, length) {
      if (!open) throw new LiveCaptureError('open-failed', `the injector on '${device}' is closed`);
      addon.inject(handle, frame, length);
    },
    close() {
      if (!open) return;
      open = false;
      addon.close(handle);
    },
  };
}
