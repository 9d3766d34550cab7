/**
 * A set of conversations keyed by 4-tuple, which also keeps them in the order they were added.
 * IPv4 tuples live in chained buckets of our own (a power of two of them, at least one per entry)
 * rather than a Map: every packet looks its tuple up, and one array load then the entry itself
 * costs fewer cache misses than a Map lookup. IPv6 tuples, rarer, are keyed by text in a Map.
 * The order is a doubly linked list through the entries: the flow table closes open sessions in
 * order of opening and forgets closed ones oldest first, without sorting or scanning.
 */
import { type Conversation, hashIpv4 } from './conversation.ts';

const INITIAL_BUCKETS = 1024;

export class ConversationTable {
  private buckets: Array<Conversation | undefined> = new Array(INITIAL_BUCKETS).fill(undefined);
  private count4 = 0;
  private readonly byKey6 = new Map<string, Conversation>();
  private oldestEntry: Conversation | undefined;
  private newestEntry: Conversation | undefined;

  /** Conversations in the table. */
  get size(): number {
    return this.count4 + this.byKey6.size;
  }

  /** The conversation added longest ago, if any. */
  get oldest(): Conversation | undefined {
    return this.oldestEntry;
  }

  /** The IPv4 conversation of a tuple (addresses as int32, see Conversation). */
  find4(lo4: number, hi4: number, loPort: number, hiPort: number): Conversation | undefined {
    const buckets = this.buckets;
    let c = buckets[hashIpv4(lo4, hi4, loPort, hiPort) & (buckets.length - 1)];
    while (
      c !== undefined &&
      (c.lo4 !== lo4 || c.hi4 !== hi4 || c.loPort !== loPort || c.hiPort !== hiPort)
    ) {
      c = c.nextInBucket;
    }
    return c;
  }

  find6(key6: string): Conversation | undefined {
    return this.byKey6.get(key6);
  }

  /** Adds a conversation that is in no table, as the newest. */
  add(conversation: Conversation): void {
    this.append(conversation);
    if (conversation.ipVersion === 6) {
      this.byKey6.set(conversation.key6, conversation);
      return;
    }
    if (++this.count4 > this.buckets.length) this.grow();
    this.link(conversation);
  }

  /** Removes a conversation that is in this table. */
  remove(conversation: Conversation): void {
    this.unlinkFromOrder(conversation);
    if (conversation.ipVersion === 6) {
      this.byKey6.delete(conversation.key6);
      return;
    }
    const bucket = bucketOf(conversation, this.buckets.length);
    let c = this.buckets[bucket];
    if (c === conversation) {
      this.buckets[bucket] = conversation.nextInBucket;
    } else {
      while (c !== undefined && c.nextInBucket !== conversation) c = c.nextInBucket;
      if (c !== undefined) c.nextInBucket = conversation.nextInBucket;
    }
    conversation.nextInBucket = undefined;
    this.count4--;
  }

  /** Empties the table (its entries keep stale links: drop them too). */
  clear(): void {
    this.buckets = new Array(INITIAL_BUCKETS).fill(undefined);
    this.count4 = 0;
    this.byKey6.clear();
    this.oldestEntry = undefined;
    this.newestEntry = undefined;
  }

  private append(conversation: Conversation): void {
    conversation.older = this.newestEntry;
    conversation.newer = undefined;
    if (this.newestEntry === undefined) this.oldestEntry = conversation;
    else this.newestEntry.newer = conversation;
    this.newestEntry = conversation;
  }

  private unlinkFromOrder(conversation: Conversation): void {
    const { older, newer } = conversation;
    if (older === undefined) this.oldestEntry = newer;
    else older.newer = newer;
    if (newer === undefined) this.newestEntry = older;
    else newer.older = older;
    conversation.older = undefined;
    conversation.newer = undefined;
  }

  private link(conversation: Conversation): void {
    const bucket = bucketOf(conversation, this.buckets.length);
    conversation.nextInBucket = this.buckets[bucket];
    this.buckets[bucket] = conversation;
  }

  private grow(): void {
    const old = this.buckets;
    this.buckets = new Array(old.length * 2).fill(undefined);
    for (const head of old) {
      for (let c = head; c !== undefined; ) {
        const next = c.nextInBucket;
        this.link(c);
        c = next;
      }
    }
  }
}

function bucketOf(c: Conversation, buckets: number): number {
  return hashIpv4(c.lo4, c.hi4, c.loPort, c.hiPort) & (buckets - 1);
}
