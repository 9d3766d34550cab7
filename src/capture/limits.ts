/** Bounds that keep a corrupt or hostile capture from making the reader allocate without limit. */

/** Bytes read from the file at a time. Large chunks keep the per-chunk cost out of the profile. */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

/** A record or block larger than this is corrupt: no link layer carries a packet this big. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/**
 * libpcap's largest snap length for most link types (MAXIMUM_SNAPLEN). Like libpcap, a pcap
 * record may exceed the file's snap length but not max(snap length, this).
 */
export const PCAP_MAX_SNAPLEN = 262144;
