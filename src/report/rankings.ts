/** Bounded lists for the live view: the most recent entries, and the top entries by a score. */

/** Keeps the last `capacity` items pushed, newest first on read. */
export class RecentList<T> {
  private readonly items: T[] = [];

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) this.items.shift();
  }

  newestFirst(): T[] {
    return this.items.slice().reverse();
  }

  includes(item: T): boolean {
    return this.items.includes(item);
  }
}

/**
 * Keeps the `capacity` keys with the highest scores, a key at most once; a key's score only
 * grows. O(capacity) per offer, which stays cheap for the small lists the live view shows.
 */
export class TopList<K> {
  private readonly entries: Array<{ key: K; score: number }> = [];

  constructor(private readonly capacity: number) {}

  offer(key: K, score: number): void {
    const existing = this.entries.find((entry) => entry.key === key);
    if (existing) {
      if (score <= existing.score) return;
      existing.score = score;
    } else if (this.entries.length < this.capacity) {
      this.entries.push({ key, score });
    } else {
      const lowest = this.entries[this.entries.length - 1];
      if (score <= lowest.score) return;
      lowest.key = key;
      lowest.score = score;
    }
    this.entries.sort((a, b) => b.score - a.score);
  }

  has(key: K): boolean {
    return this.entries.some((entry) => entry.key === key);
  }

  /** Highest score first. */
  ranked(): Array<{ key: K; score: number }> {
    return this.entries.map((entry) => ({ ...entry }));
  }
}
