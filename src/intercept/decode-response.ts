import type { CaptureRecord } from '../capture/record.ts';
import { DecodeContext } from '../packet/context.ts';
import { decodeRecord } from '../packet/decode.ts';
import { DecodeStatus } from '../packet/status.ts';
import { newPacketView, type PacketView } from '../packet/view.ts';

/**
 * Finds the IPv4 and TCP headers of a captured response. IPv6 responses decode but cannot travel:
 * the v1 record has room for an IPv4 header only, so they are reported as unsupported.
 */
export class ResponseDecoder {
  readonly context = new DecodeContext();
  private readonly view = newPacketView();

  /** The decoded IPv4 TCP packet (reused view, valid until the next call), or undefined. */
  decode(record: CaptureRecord): PacketView | undefined {
    if (decodeRecord(record, this.view, this.context) !== DecodeStatus.TCP) return undefined;
    return this.view.ipVersion === 4 ? this.view : undefined;
  }
}
