/** Hand-built capture bytes for the capture tests, and helpers to read them back. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CaptureReader,
  type CaptureRecord,
  type OpenCaptureOptions,
  openCapture,
} from '../../src/capture/index.ts';

export interface Packet {
  tsSec: number;
  tsNsec: number;
  data: Buffer;
  originalLength?: number;
}

function u16(value: number, le: boolean): Buffer {
  const b = Buffer.alloc(2);
  le ? b.writeUInt16LE(value) : b.writeUInt16BE(value);
  return b;
}

function u32(value: number, le: boolean): Buffer {
  const b = Buffer.alloc(4);
  le ? b.writeUInt32LE(value >>> 0) : b.writeUInt32BE(value >>> 0);
  return b;
}

export function pcapFile(
  packets: Packet[],
  { le = true, nano = false, snapLength = 65535, linkType = 1 } = {},
): Buffer {
  const magic = nano ? 0xa1b23c4d : 0xa1b2c3d4;
  const parts = [
    u32(magic, le),
    u16(2, le),
    u16(4, le),
    u32(0, le),
    u32(0, le),
    u32(snapLength, le),
    u32(linkType, le),
  ];
  for (const p of packets) {
    const fraction = nano ? p.tsNsec : Math.floor(p.tsNsec / 1000);
    parts.push(u32(p.tsSec, le), u32(fraction, le), u32(p.data.length, le));
    parts.push(u32(p.originalLength ?? p.data.length, le), p.data);
  }
  return Buffer.concat(parts);
}

function pad4(b: Buffer): Buffer {
  return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
}

export function option(code: number, value: Buffer, le: boolean): Buffer {
  return Buffer.concat([u16(code, le), u16(value.length, le), pad4(value)]);
}

export const endOfOptions = (le: boolean): Buffer => Buffer.concat([u16(0, le), u16(0, le)]);

export function block(type: number, body: Buffer, le: boolean): Buffer {
  const padded = pad4(body);
  const length = padded.length + 12;
  return Buffer.concat([u32(type, le), u32(length, le), padded, u32(length, le)]);
}

export function shb(le: boolean, options: Buffer = Buffer.alloc(0)): Buffer {
  const body = Buffer.concat([u32(0x1a2b3c4d, le), u16(1, le), u16(0, le), Buffer.alloc(8, 0xff), options]);
  return block(0x0a0d0d0a, body, le);
}

export function idb(le: boolean, linkType: number, snapLength: number, options: Buffer[] = []): Buffer {
  const opts = options.length > 0 ? [...options, endOfOptions(le)] : [];
  return block(1, Buffer.concat([u16(linkType, le), u16(0, le), u32(snapLength, le), ...opts]), le);
}

/** An enhanced packet block; the timestamp is given in the interface's units. */
export function epb(
  le: boolean,
  iface: number,
  units: bigint,
  data: Buffer,
  originalLength = data.length,
): Buffer {
  const hi = Number(units >> 32n);
  const lo = Number(units & 0xffffffffn);
  const body = [
    u32(iface, le),
    u32(hi, le),
    u32(lo, le),
    u32(data.length, le),
    u32(originalLength, le),
    data,
  ];
  return block(6, Buffer.concat(body), le);
}

export function spb(le: boolean, originalLength: number, data: Buffer): Buffer {
  return block(3, Buffer.concat([u32(originalLength, le), data]), le);
}

export function obsoletePb(le: boolean, iface: number, units: bigint, data: Buffer): Buffer {
  const hi = Number(units >> 32n);
  const lo = Number(units & 0xffffffffn);
  const body = [
    u16(iface, le),
    u16(0, le),
    u32(hi, le),
    u32(lo, le),
    u32(data.length, le),
    u32(data.length, le),
    data,
  ];
  return block(2, Buffer.concat(body), le);
}

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'rp-capture-'));
  private count = 0;

  file(bytes: Buffer | string, name = `f${this.count++}`): string {
    const path = join(this.path, name);
    writeFileSync(path, bytes);
    return path;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export interface ReadBack {
  reader: CaptureReader;
  /** Each record as the reader gave it, with its bytes copied out (the reader reuses its buffer). */
  records: Array<Omit<CaptureRecord, 'capturedLength' | 'buf' | 'offset'> & { data: Buffer }>;
}

/** Reads every record, copying what the reader reuses. */
export async function readBack(path: string, options: OpenCaptureOptions = {}): Promise<ReadBack> {
  const reader = await openCapture(path, options);
  const records: ReadBack['records'] = [];
  for await (const cursor of reader.batches()) {
    for (let r = cursor.next(); r !== null; r = cursor.next()) {
      const { index, fileOffset, linkType, interfaceId, tsSec, tsNsec, untimed, originalLength } = r;
      const data = Buffer.from(r.buf.subarray(r.offset, r.offset + r.capturedLength));
      records.push({
        index,
        fileOffset,
        linkType,
        interfaceId,
        tsSec,
        tsNsec,
        untimed,
        originalLength,
        data,
      });
    }
  }
  return { reader, records };
}
