/** What decodeTcp made of a packet. Only TCP means the view was filled. */
export const DecodeStatus = {
  TCP: 0,
  NOT_IP: 1,
  NOT_TCP: 2,
  FRAGMENT_HELD: 3,
  TRUNCATED: 4,
  MALFORMED: 5,
  UNSUPPORTED_LINK: 6,
} as const;

export type DecodeStatus = (typeof DecodeStatus)[keyof typeof DecodeStatus];

export const decodeStatusNames = [
  'TCP',
  'NOT_IP',
  'NOT_TCP',
  'FRAGMENT_HELD',
  'TRUNCATED',
  'MALFORMED',
  'UNSUPPORTED_LINK',
] as const satisfies readonly string[];

export type DecodeStatusName = (typeof decodeStatusNames)[number];

/** The header that the capture's snap length cut (status TRUNCATED). */
export type TruncatedHeader =
  | 'link'
  | 'ipv4'
  | 'ipv6'
  | 'ipv6-extension'
  | 'tcp'
  /** A fragment whose own data was cut: it cannot take part in reassembly. */
  | 'fragment';

/** Why a packet was rejected as MALFORMED. */
export type MalformedReason =
  | 'ip-version'
  | 'ipv4-header-length'
  | 'ipv4-total-length'
  | 'ipv6-extension-length'
  | 'tcp-segment-length'
  | 'tcp-data-offset'
  | 'fragment-length'
  | 'fragment-too-large'
  | 'fragment-conflict';
