/** Sizes fixed by the classic pcap format (https://www.tcpdump.org/manpages/pcap-savefile.5.html). */
export const PCAP_FILE_HEADER_BYTES = 24;
/** Seconds, fraction, captured length, original length: four u32s before each record's bytes. */
export const PCAP_RECORD_HEADER_BYTES = 16;
