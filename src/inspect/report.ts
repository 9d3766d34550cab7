/**
 * What `reprise inspect` reports about a capture: the shape of its JSON document (see
 * docs/inspect-json.md) and the sink that gathers it while the capture is read.
 */
import type { CaptureWarningKind } from '../capture/index.ts';
import { linkTypeName } from '../capture/link-type-name.ts';
import type { CaptureFlow } from '../flow/pipeline.ts';
import type { CapturedSession, FlowSink, SessionEnding } from '../flow/session.ts';
import { hostPort } from '../packet/address.ts';
import type { DecodeSummary } from '../packet/context.ts';

export interface InspectReport {
  file: string;
  format: string;
  compressed: boolean;
  linkTypes: Array<{ linkType: number; name: string; packets: number }>;
  packets: number;
  /** Capture time of the earliest packet (µs since the epoch), null for a capture without packets. */
  startUs: number | null;
  durationUs: number;
  tcp: {
    /** Packets decoded as TCP segments (a reassembled fragmented datagram counts once). */
    segments: number;
    sessions: number;
    sessionsWithSyn: number;
    sessionsWithoutSyn: number;
    serverPorts: Array<{ port: number; sessions: number }>;
    requests: number;
    /** Requests the client sent in parts, pausing mid-request (CapturedRequest.parts): replay keeps the pauses. */
    requestsInParts: number;
    bytesFromClients: number;
    bytesFromServers: number;
    endings: Record<SessionEnding, number>;
    /** Segments of tuples whose session had closed (the last ACK after FINs, duplicates). */
    segmentsAfterClose: number;
  };
  anomalies: {
    /** Client segments that brought no new byte (retransmitted, duplicated or overlapping). */
    retransmissions: number;
    /** Client byte ranges missing from the capture, and the bytes they hold in all. */
    gaps: number;
    gapBytes: number;
    /** Client segments whose payload the snap length cut. */
    truncatedPayloadSegments: number;
    /** The last record, cut short (one at most). */
    truncatedRecords: Array<{ offset: number; problem: string }>;
    /** Every problem the reader noted: a truncated last record, gzip data cut short, bytes after the gzip data. */
    readerWarnings: Array<{ kind: CaptureWarningKind; offset: number; problem: string }>;
    /** Packets whose headers the snap length cut, by header. */
    truncatedHeaders: Record<string, number>;
    tcpOptionsCut: number;
    /** Whole frames whose IP length claimed more than the frame held: read as ending with the frame. */
    ipLengthBeyondFrame: number;
    fragments: DecodeSummary['fragments'];
    ipv6AtomicFragments: number;
    /** Packets that are IP but not TCP, by IP protocol number. */
    nonTcpPackets: number;
    nonTcpByProtocol: Record<string, number>;
    notIpPackets: number;
    unsupportedLinkPackets: number;
    malformedPackets: Record<string, number>;
    /** Times the capture's clock stepped back more than a second (NTP), and the largest step (µs; 0 when none). */
    clockStepsBack: number;
    largestClockStepBackUs: number;
  };
  sessions?: SessionRow[];
}

export interface SessionRow {
  id: number;
  client: string;
  server: string;
  startUs: number;
  durationUs: number;
  handshake: boolean;
  rttUs: number | null;
  packets: number;
  requests: number;
  bytesFromClient: number;
  bytesFromServer: number;
  ending: SessionEnding;
  endedBy: 'client' | 'server' | null;
  resetBy: 'client' | 'server' | null;
  retransmissions: number;
  gaps: number;
  gapBytes: number;
}

/** Gathers per-session figures as sessions close; keeps rows only when asked to list sessions. */
export class InspectCollector implements FlowSink {
  sessions = 0;
  sessionsWithSyn = 0;
  requests = 0;
  requestsInParts = 0;
  bytesFromClients = 0;
  bytesFromServers = 0;
  retransmissions = 0;
  gaps = 0;
  gapBytes = 0;
  truncatedSegments = 0;
  readonly endings: Record<SessionEnding, number> = { fin: 0, rst: 0, 'capture-end': 0 };
  readonly serverPorts = new Map<number, number>();
  readonly rows: SessionRow[] | undefined;

  constructor(listSessions: boolean) {
    this.rows = listSessions ? [] : undefined;
  }

  sessionClosed(session: CapturedSession): void {
    this.sessions++;
    if (session.handshake.syn) this.sessionsWithSyn++;
    this.requests += session.requests.length;
    for (const request of session.requests) if (request.parts.length > 0) this.requestsInParts++;
    this.bytesFromClients += session.bytesFromClient;
    this.bytesFromServers += session.bytesFromServer;
    this.retransmissions += session.retransmissions;
    this.gaps += session.gaps;
    this.gapBytes += session.gapBytes;
    this.truncatedSegments += session.truncatedSegments;
    this.endings[session.ending]++;
    const port = session.server.port;
    this.serverPorts.set(port, (this.serverPorts.get(port) ?? 0) + 1);
    this.rows?.push(rowOf(session));
  }
}

function rowOf(session: CapturedSession): SessionRow {
  return {
    id: session.id,
    client: hostPort(session.client.ip, session.client.port),
    server: hostPort(session.server.ip, session.server.port),
    startUs: session.startUs,
    durationUs: Math.max(0, session.endUs - session.startUs),
    handshake: session.handshake.syn,
    rttUs: session.handshake.rttUs ?? null,
    packets: session.packets,
    requests: session.requests.length,
    bytesFromClient: session.bytesFromClient,
    bytesFromServer: session.bytesFromServer,
    ending: session.ending,
    endedBy: session.endedBy ?? null,
    resetBy: session.resetBy ?? null,
    retransmissions: session.retransmissions,
    gaps: session.gaps,
    gapBytes: session.gapBytes,
  };
}

/** The report of a capture read to its end by `flow` into `collector`. */
export function buildReport(file: string, flow: CaptureFlow, collector: InspectCollector): InspectReport {
  const decode = flow.decode.summary();
  const statuses = decode.statuses;
  const report: InspectReport = {
    file,
    format: flow.reader.format,
    compressed: flow.reader.compressed,
    linkTypes: flow.linkTypes().map(({ linkType, packets }) => ({
      linkType,
      name: linkTypeName(linkType) ?? `LINKTYPE_${linkType}`,
      packets,
    })),
    packets: flow.packets,
    // Packets without a time (pcapng simple packet blocks) leave the span unknown.
    startUs: Number.isFinite(flow.firstUs) ? flow.firstUs : null,
    durationUs: Number.isFinite(flow.firstUs) ? flow.lastUs - flow.firstUs : 0,
    tcp: {
      segments: statuses.TCP,
      sessions: collector.sessions,
      sessionsWithSyn: collector.sessionsWithSyn,
      sessionsWithoutSyn: collector.sessions - collector.sessionsWithSyn,
      serverPorts: [...collector.serverPorts]
        .map(([port, sessions]) => ({ port, sessions }))
        .sort((a, b) => b.sessions - a.sessions || a.port - b.port),
      requests: collector.requests,
      requestsInParts: collector.requestsInParts,
      bytesFromClients: collector.bytesFromClients,
      bytesFromServers: collector.bytesFromServers,
      endings: { ...collector.endings },
      segmentsAfterClose: flow.table.latePackets,
    },
    anomalies: {
      retransmissions: collector.retransmissions,
      gaps: collector.gaps,
      gapBytes: collector.gapBytes,
      truncatedPayloadSegments: collector.truncatedSegments,
      truncatedRecords: flow.reader.warnings
        .filter((w) => w.kind === 'truncated-record')
        .map(({ offset, problem }) => ({ offset, problem })),
      readerWarnings: flow.reader.warnings.map(({ kind, offset, problem }) => ({ kind, offset, problem })),
      truncatedHeaders: { ...decode.truncated },
      tcpOptionsCut: decode.tcpOptionsCut,
      ipLengthBeyondFrame: decode.ipLengthBeyondFrame,
      fragments: decode.fragments,
      ipv6AtomicFragments: decode.ipv6AtomicFragments,
      nonTcpPackets: statuses.NOT_TCP,
      nonTcpByProtocol: Object.fromEntries(
        Object.entries(decode.notTcpByProtocol).map(([protocol, count]) => [
          protocolName(Number(protocol)),
          count,
        ]),
      ),
      notIpPackets: statuses.NOT_IP,
      unsupportedLinkPackets: statuses.UNSUPPORTED_LINK,
      malformedPackets: { ...decode.malformed },
      clockStepsBack: flow.clockSteps.tally().count,
      largestClockStepBackUs: flow.clockSteps.tally().largestUs,
    },
  };
  if (collector.rows !== undefined) report.sessions = collector.rows.sort((a, b) => a.id - b.id);
  return report;
}

const protocolNames: Record<number, string> = {
  1: 'icmp',
  2: 'igmp',
  17: 'udp',
  47: 'gre',
  50: 'esp',
  58: 'icmpv6',
  132: 'sctp',
};

function protocolName(protocol: number): string {
  return protocolNames[protocol] ?? `ip-proto-${protocol}`;
}
