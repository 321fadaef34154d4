/**
 * Counters in one-second buckets over a sliding window (the last `seconds` seconds), keyed by the whole
 * second of an injected clock. Pure data structure: the caller passes the time.
 */
export class PerSecondCounters<K extends string> {
  readonly #keys: readonly K[];
  readonly #seconds: number;
  /** Ring of buckets, index = second % seconds. */
  readonly #buckets: { second: number; counts: Record<K, number> }[];

  constructor(keys: readonly K[], seconds: number) {
    this.#keys = keys;
    this.#seconds = seconds;
    this.#buckets = Array.from({ length: seconds }, () => ({ second: -1, counts: this.#zero() }));
  }

  add(key: K, nowMs: number, count = 1): void {
    const bucket = this.#bucket(Math.floor(nowMs / 1000));
    bucket.counts[key] += count;
  }

  /** Sums over the `last` complete seconds before the current one. */
  sum(nowMs: number, last: number): Record<K, number> {
    const current = Math.floor(nowMs / 1000);
    const total = this.#zero();
    for (let s = current - Math.min(last, this.#seconds - 1); s < current; s++) {
      const b = this.#buckets[s % this.#seconds];
      if (b === undefined || b.second !== s) continue;
      for (const k of this.#keys) total[k] += b.counts[k];
    }
    return total;
  }

  /** One entry per complete second of the last `last` seconds, oldest first (for the chart). */
  history(nowMs: number, last: number): ({ t: number } & Record<K, number>)[] {
    const current = Math.floor(nowMs / 1000);
    const out: ({ t: number } & Record<K, number>)[] = [];
    for (let s = current - Math.min(last, this.#seconds - 1); s < current; s++) {
      const b = this.#buckets[s % this.#seconds];
      const counts = b !== undefined && b.second === s ? b.counts : this.#zero();
      out.push({ t: s, ...counts });
    }
    return out;
  }

  #bucket(second: number): { second: number; counts: Record<K, number> } {
    const index = second % this.#seconds;
    let b = this.#buckets[index];
    if (b === undefined || b.second !== second) {
      b = { second, counts: this.#zero() };
      this.#buckets[index] = b;
    }
    return b;
  }

  #zero(): Record<K, number> {
    const z = {} as Record<K, number>;
    for (const k of this.#keys) z[k] = 0;
    return z;
  }
}
