export type { RecordCursor } from './cursor.ts';
export { DEFAULT_CHUNK_BYTES, MAX_RECORD_BYTES, PCAP_MAX_SNAPLEN } from './limits.ts';
export {
  type CaptureReader,
  type CaptureSummary,
  forEachRecord,
  type OpenCaptureOptions,
  openCapture,
} from './open.ts';
export { PCAP_FILE_HEADER_BYTES, PCAP_RECORD_HEADER_BYTES } from './pcap-format.ts';
export { type ByteSink, createPcapWriter, type PcapWriter, type PcapWriterOptions } from './pcap-writer.ts';
export {
  CaptureError,
  type CaptureFormat,
  type CaptureInterface,
  type CaptureRecord,
  type CaptureWarning,
  type CaptureWarningKind,
  LinkType,
} from './record.ts';
