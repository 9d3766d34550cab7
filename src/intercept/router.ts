import { type PacketView, TcpFlag } from '../packet/view.ts';
import { DEFAULT_HELD_OPTIONS, type HeldOptions, HeldResponses } from './held-responses.ts';
import { responseRecord, writeResponseRecord } from './response-record.ts';
import { DEFAULT_ROUTE_OPTIONS, RouteTable, type RouteTableOptions } from './route-table.ts';
import { type InterceptTotals, zeroTotals } from './stats.ts';
import { RECORD_SIZE, type Route } from './wire.ts';

/** Where routed records go: a replayer connection (or a test double). The record is reused after the call: copy it. */
export interface RecordSink {
  deliver(record: Uint8Array): void;
}

export interface RouterOptions {
  routes: RouteTableOptions;
  held: HeldOptions;
}

export const DEFAULT_ROUTER_OPTIONS: RouterOptions = {
  routes: DEFAULT_ROUTE_OPTIONS,
  held: DEFAULT_HELD_OPTIONS,
};

/**
 * The intercept's core, without I/O: ADD/DEL messages in, captured responses in, records out to
 * the sink of the replayer that registered the response's route.
 *
 * A response travels from target to client, so its route key is (dst ip, dst port, src ip,
 * src port). A SYN-ACK or RST without a route is held until its ADD arrives (the replayer sends
 * the ADD before its SYN, but the ADD can still lose the race on another connection); any other
 * response without a route is counted as unroutable. A RST or FIN from the target, or a DEL,
 * starts the route's close grace; otherwise routes expire when idle.
 */
export class Router<S extends RecordSink> {
  readonly totals: InterceptTotals = zeroTotals();
  private readonly routes: RouteTable<S>;
  private readonly held: HeldResponses;
  private readonly scratch = Buffer.alloc(RECORD_SIZE);

  constructor(options: RouterOptions = DEFAULT_ROUTER_OPTIONS) {
    this.routes = new RouteTable(options.routes);
    this.held = new HeldResponses(options.held);
  }

  get routesActive(): number {
    return this.routes.size;
  }

  get heldNow(): number {
    return this.held.size;
  }

  add(sink: S, route: Route, now: number): void {
    this.totals.adds++;
    if (!this.routes.add(route, sink, now)) {
      this.totals.addsRefused++;
      return;
    }
    for (const record of this.held.take(route)) {
      sink.deliver(record);
      this.totals.heldDelivered++;
      this.totals.routed++;
    }
  }

  del(route: Route, now: number): void {
    this.totals.dels++;
    this.routes.closing(route.clientIp, route.clientPort, route.targetIp, route.targetPort, now);
  }

  /** Routes one captured IPv4 TCP response. */
  response(view: PacketView, now: number): void {
    this.totals.captured++;
    const sink = this.routes.lookup(view.dst4, view.dstPort, view.src4, view.srcPort, now);
    if (view.flags & (TcpFlag.RST | TcpFlag.FIN)) {
      this.routes.closing(view.dst4, view.dstPort, view.src4, view.srcPort, now);
    }
    if (sink) {
      writeResponseRecord(view, this.scratch, 0);
      sink.deliver(this.scratch);
      this.totals.routed++;
      return;
    }
    if (view.flags & (TcpFlag.SYN | TcpFlag.RST)) {
      if (this.held.hold(view.dst4, view.dstPort, view.src4, view.srcPort, responseRecord(view), now)) {
        this.totals.held++;
        return;
      }
    }
    this.totals.unroutable++;
  }

  /** A packet that cannot travel in the v1 format (IPv6, not TCP). */
  unsupported(): void {
    this.totals.captured++;
    this.totals.unsupported++;
  }

  removeSink(sink: S): void {
    this.routes.removePeer(sink);
  }

  /** One slice of the periodic sweep: about `routeBudget` routes, and every held response. */
  sweep(now: number, routeBudget: number): void {
    this.routes.expireSome(now, routeBudget);
    this.totals.heldExpired += this.held.expire(now);
  }

  dropped(records: number): void {
    this.totals.dropped += records;
  }
}
