/**
 * Structure-aware mutations of real captures (pcap in both byte orders and both resolutions,
 * pcapng in both byte orders, gzip): block and record length fields set to boundary values,
 * truncation at every kind of boundary, blocks duplicated, removed and moved, section headers in
 * the middle, hostile interface options, interface ids out of range, gzip trailers broken. Whatever
 * the bytes, the reader and the inspect pipeline either succeed or throw a CaptureError naming the
 * file, and every warning names the file and a byte offset. Deterministic (seeded), so a failure
 * prints the mutation that caused it and reproduces.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CaptureError, forEachRecord } from '../../src/capture/index.ts';
import { readSessions } from '../../src/flow/pipeline.ts';
import type { FlowSink } from '../../src/flow/session.ts';
import { projectPath } from '../../src/paths.ts';

const INPUTS_PER_SEED = 150;
const dir = mkdtempSync(join(tmpdir(), 'rp-fuzz-hunt8-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Random = () => number;

function seeded(seed: number): Random {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const below = (random: Random, n: number): number => Math.floor(random() * n);

function u32(value: number, le = true): Buffer {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(value >>> 0);
  else b.writeUInt32BE(value >>> 0);
  return b;
}

/** A pcapng block (little-endian) with its body padded to 4 bytes. */
function block(type: number, body: Buffer): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const length = 12 + padded.length;
  return Buffer.concat([u32(type), u32(length), padded, u32(length)]);
}

const SECTION_HEADER = block(0x0a0d0d0a, Buffer.from('4d3c2b1a01000000ffffffffffffffff', 'hex'));

function interfaceBlock(linkType: number, options: Buffer): Buffer {
  return block(1, Buffer.concat([Buffer.from([linkType & 0xff, linkType >> 8, 0, 0]), u32(65535), options]));
}

/** An Ethernet pcap (little-endian, µs) rewritten as a pcapng with nanosecond timestamps. */
function asPcapng(pcap: Buffer): Buffer {
  const blocks = [SECTION_HEADER, interfaceBlock(1, Buffer.from('0900010009000000', 'hex'))];
  for (const r of layout(pcap).records) {
    const ns =
      BigInt(pcap.readUInt32LE(r.start)) * 1_000_000_000n + BigInt(pcap.readUInt32LE(r.start + 4)) * 1000n;
    const data = pcap.subarray(r.start + 16, r.end);
    const head = Buffer.alloc(20);
    head.writeUInt32LE(Number(ns >> 32n), 4);
    head.writeUInt32LE(Number(ns & 0xffffffffn), 8);
    head.writeUInt32LE(data.length, 12);
    head.writeUInt32LE(data.length, 16);
    blocks.push(block(6, Buffer.concat([head, data])));
  }
  return Buffer.concat(blocks);
}

interface Unit {
  start: number;
  end: number;
  /** Offsets of 32-bit length-like fields inside it (lengths, ids, link type). */
  fields: number[];
  le: boolean;
  packet: boolean;
}

/** The records (pcap) or blocks (pcapng) of a capture, as far as they hold together. */
function layout(b: Buffer): { records: Unit[] } {
  const records: Unit[] = [];
  const magic = b.length >= 24 ? b.readUInt32LE(0) : 0;
  if ([0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1].includes(magic)) {
    const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
    records.push({ start: 0, end: 24, fields: [4, 16, 20], le, packet: false });
    for (let at = 24; at + 16 <= b.length; ) {
      const end = at + 16 + (le ? b.readUInt32LE(at + 8) : b.readUInt32BE(at + 8));
      if (end > b.length) break;
      records.push({ start: at, end, fields: [at + 8, at + 12], le, packet: true });
      at = end;
    }
  } else if (magic === 0x0a0d0d0a) {
    let le = true;
    for (let at = 0; at + 12 <= b.length; ) {
      if (b.readUInt32LE(at) === 0x0a0d0d0a) le = b.readUInt32LE(at + 8) === 0x1a2b3c4d;
      const type = le ? b.readUInt32LE(at) : b.readUInt32BE(at);
      const length = le ? b.readUInt32LE(at + 4) : b.readUInt32BE(at + 4);
      if (length < 12 || at + length > b.length) break;
      const fields = [at + 4, at + length - 4];
      if (type === 6) fields.push(at + 8, at + 20, at + 24);
      if (type === 1) fields.push(at + 8, at + 12);
      records.push({ start: at, end: at + length, fields, le, packet: type === 6 || type === 3 });
      at += length;
    }
  }
  return { records };
}

const BOUNDARIES = [
  0, 1, 2, 3, 4, 7, 8, 12, 13, 16, 28, 31, 32, 0xffff, 0x40001, 0x7fffffff, 0x80000000, 0xffffffff,
];

/** One to three mutations of `seed`; returns the bytes and what was done. */
function mutate(seed: Buffer, random: Random): { bytes: Buffer; steps: string[] } {
  let b = Buffer.from(seed);
  const steps: string[] = [];
  for (let n = 1 + below(random, 3); n > 0; n--) {
    const { records } = layout(b);
    const unit = records.length > 0 ? pick(random, records) : undefined;
    switch (below(random, 9)) {
      case 0: {
        for (let k = 0; k < 4 && b.length > 0; k++) b[below(random, b.length)] ^= 1 << below(random, 8);
        steps.push('bit flips');
        break;
      }
      case 1: {
        if (b.length === 0) break;
        const at = below(random, b.length);
        const value = pick(random, [0x00, 0xff, 0x7f]);
        b.fill(value, at, Math.min(b.length, at + 1 + below(random, 16)));
        steps.push(`run of ${value} at ${at}`);
        break;
      }
      case 2:
      case 3: {
        if (!unit) break;
        const at = pick(random, unit.fields);
        if (at + 4 > b.length) break;
        const old = unit.le ? b.readUInt32LE(at) : b.readUInt32BE(at);
        const value =
          random() < 0.5 ? pick(random, BOUNDARIES) : (old + pick(random, [-4, -1, 1, 2, 4])) >>> 0;
        b.set(u32(value, unit.le), at);
        steps.push(`field at ${at} = ${value}`);
        break;
      }
      case 4: {
        if (!unit) break;
        const at = Math.max(
          0,
          Math.min(b.length, pick(random, [unit.start, unit.end]) + pick(random, [-1, 0, 1, 4])),
        );
        b = b.subarray(0, at);
        steps.push(`cut at ${at}`);
        break;
      }
      case 5: {
        if (!unit?.packet) break;
        const to = pick(random, records).end;
        b = Buffer.concat([b.subarray(0, to), b.subarray(unit.start, unit.end), b.subarray(to)]);
        steps.push(`block ${unit.start} copied to ${to}`);
        break;
      }
      case 6: {
        if (!unit) break;
        b = Buffer.concat([b.subarray(0, unit.start), b.subarray(unit.end)]);
        steps.push(`block ${unit.start} removed`);
        break;
      }
      case 7: {
        if (!unit || b.readUInt32LE(0) !== 0x0a0d0d0a) break;
        const resolution = below(random, 256);
        const inserted = pick(random, [
          SECTION_HEADER,
          interfaceBlock(pick(random, [1, 113, 276, 0xffff]), Buffer.from([9, 0, 1, 0, resolution, 0, 0, 0])),
          interfaceBlock(1, Buffer.from('0e000800ffffffffffffff7f', 'hex')),
          interfaceBlock(1, Buffer.from('0900ff00', 'hex')),
          block(3, Buffer.concat([u32(pick(random, [0, 5, 0xffffffff])), Buffer.alloc(below(random, 64))])),
        ]);
        b = Buffer.concat([b.subarray(0, unit.end), inserted, b.subarray(unit.end)]);
        steps.push(`block inserted at ${unit.end} (if_tsresol ${resolution})`);
        break;
      }
      default: {
        if (!unit?.packet) break;
        const at = unit.start + below(random, unit.end - unit.start);
        b[at] = pick(random, [0x00, 0x06, 0x2c, 0x3b, 0x45, 0x4f, 0x60, 0xff]);
        steps.push(`packet byte at ${at}`);
      }
    }
  }
  if (random() < 0.2) {
    let gz = gzipSync(b);
    const broken = below(random, 4);
    if (broken === 1) gz.writeUInt32LE((gz.readUInt32LE(gz.length - 8) ^ 1) >>> 0, gz.length - 8);
    if (broken === 2) gz.writeUInt32LE(0xffffffff, gz.length - 4);
    if (broken === 3) gz = gz.subarray(0, below(random, gz.length));
    steps.push(`gzip (trailer ${['kept', 'wrong CRC', 'huge ISIZE', 'cut'][broken]})`);
    b = gz;
  }
  return { bytes: b, steps };
}

const discard: FlowSink = {
  sessionOpened: () => true,
  requestCompleted: () => {},
  sessionClosed: () => {},
};

/** Reads `path` twice (reader alone, in small chunks; then the whole session pipeline). */
async function readEveryWay(path: string, chunkBytes: number): Promise<void> {
  for (const run of [
    async () => {
      const summary = await forEachRecord(path, () => {}, { chunkBytes });
      for (const w of summary.warnings) {
        assert.equal(w.file, path);
        assert.ok(Number.isInteger(w.offset) && w.offset >= 0, `warning offset ${w.offset}: ${w.problem}`);
      }
    },
    async () => {
      await readSessions(path, discard, { keepPayload: true });
    },
  ]) {
    try {
      await run();
    } catch (err) {
      if (!(err instanceof CaptureError)) throw err;
      assert.equal(err.file, path);
      assert.ok(err.message.startsWith(`${path}: `), err.message);
    }
  }
}

const corpus = (name: string) => readFileSync(projectPath('fixtures', 'corpus', 'files', name));
const SEEDS: Array<[string, Buffer]> = [
  ['pcapng, big-endian', corpus('gopacket_pcapng_be_test202.pcapng')],
  ['pcapng, little-endian, ns, QinQ', asPcapng(corpus('zeek_http-qinq.pcap'))],
  ['pcap, big-endian', corpus('zeek_smb_dssetup_bigendian.cap')],
  ['pcap, ns, SLL', corpus('tcpdump_tcp-handshake-nano.pcap')],
  ['pcap, SLL2', corpus('zeek_tls_openjdk_sll2.pcap')],
  ['pcap, raw IPv4', corpus('zeek_http_basic-auth_linktype-ipv4.pcap')],
  ['pcap, IPv6 fragments', corpus('zeek_ipv6-http-atomic-frag.pcap')],
  ['pcap, IPv4 fragments', corpus('zeek_ipv4_fragmented-4.pcap')],
];

describe('mutated real captures give records, warnings or a CaptureError, nothing else', () => {
  it('every seed reads cleanly as it is (so the mutations start from a valid capture)', async () => {
    for (const [index, [name, seed]] of SEEDS.entries()) {
      const path = join(dir, `seed-${index}.cap`);
      writeFileSync(path, seed);
      const summary = await forEachRecord(path, () => {});
      assert.ok(summary.records > 1, name);
      assert.deepEqual(summary.warnings, [], name);
    }
  });

  SEEDS.forEach(([name, seed], index) => {
    it(`${name}: ${INPUTS_PER_SEED} mutations`, { timeout: 20_000 }, async () => {
      const path = join(dir, `mutated-${index}.cap`);
      for (let i = 0; i < INPUTS_PER_SEED; i++) {
        const random = seeded(index * 100_003 + i + 1);
        const { bytes, steps } = mutate(seed, random);
        writeFileSync(path, bytes);
        try {
          await readEveryWay(path, pick(random, [7, 64, 4096]));
        } catch (err) {
          assert.fail(`input ${i} (${steps.join(', ')}): ${(err as Error).stack}`);
        }
      }
    });
  });
});
