/**
 * The results of a running local stack as a person sees them on the page: every hash the workers publish on
 * Redis `calculation`, stamped with its arrival time (Date.now(), the clock the logs and Prometheus use)
 * and its origin (`bursty-…` → burst). For the end-to-end test and `npm run bench:reaction`.
 */
import { Redis } from 'ioredis';
import { CALCULATION_CHANNEL } from '../../core/channels.js';
import { originOf, type Origin } from '../../services/frontend/origin.js';

export interface Result {
  /** Arrival in this process, ms since the epoch. */
  readonly at: number;
  readonly origin: Origin;
}

/** A sliding window: the last `results` results, or the results of the last `ms` milliseconds. */
export type SlidingWindow = { readonly results: number } | { readonly ms: number };

export interface Settled {
  /** The index of the result that completed the first window with the share asked for. */
  readonly index: number;
  readonly at: number;
}

/** The share (0..1) of `origin` among `results`; NaN when there are none. */
export function shareOf(results: readonly Result[], origin: Origin): number {
  if (results.length === 0) return NaN;
  return results.filter((r) => r.origin === origin).length / results.length;
}

/**
 * The first result at index `from` or later that completes a sliding `window` (of results from `from` on
 * only) holding at least `share` of `origin`; a time window needs at least `minResults` results. Undefined
 * when no window qualifies yet. Pure.
 */
export function firstSettled(
  results: readonly Result[],
  from: number,
  origin: Origin,
  share: number,
  window: SlidingWindow,
  minResults = 1,
): Settled | undefined {
  let start = from;
  let matching = 0;
  for (let i = from; i < results.length; i++) {
    const current = results[i] as Result;
    if (current.origin === origin) matching++;
    // Drop what fell out of the window.
    for (;;) {
      const first = results[start] as Result;
      const outside =
        'results' in window ? i - start + 1 > window.results : first.at <= current.at - window.ms;
      if (!outside) break;
      if (first.origin === origin) matching--;
      start++;
    }
    const size = i - start + 1;
    const full = 'results' in window ? size === window.results : size >= minResults;
    if (full && matching / size >= share) return { index: i, at: current.at };
  }
  return undefined;
}

/**
 * The first result of `origin` at index `from` or later from which on the results of the next `ms` milliseconds hold
 * at least `share` of `origin` (at least `minResults` of them): the moment the traffic had moved, as
 * opposed to firstSettled's moment a window behind it had filled. Only windows that ended before the last
 * result count. Undefined when none qualifies yet. Pure.
 */
export function firstSettledFrom(
  results: readonly Result[],
  from: number,
  origin: Origin,
  share: number,
  ms: number,
  minResults = 3,
): Settled | undefined {
  const last = results.at(-1);
  if (last === undefined) return undefined;
  let end = from; // one past the window's last result
  let matching = 0;
  for (let i = from; i < results.length; i++) {
    const start = results[i] as Result;
    if (start.at + ms > last.at) return undefined;
    if (end < i) {
      end = i;
      matching = 0;
    }
    while (end < results.length && (results[end] as Result).at < start.at + ms) {
      if ((results[end] as Result).origin === origin) matching++;
      end++;
    }
    const size = end - i;
    if (start.origin === origin && size >= minResults && matching / size >= share)
      return { index: i, at: start.at };
    if (start.origin === origin) matching--;
  }
  return undefined;
}

/** The first result of `origin` at index `from` or later. */
export function firstOf(results: readonly Result[], from: number, origin: Origin): Settled | undefined {
  for (let i = from; i < results.length; i++) {
    const r = results[i] as Result;
    if (r.origin === origin) return { index: i, at: r.at };
  }
  return undefined;
}

export interface ResultStream {
  /** Every result so far, oldest first (the array grows as results arrive). */
  readonly results: readonly Result[];
  /** How many results arrived so far: an index to measure from. */
  count(): number;
  /**
   * Resolves once a sliding window of results from index `from` on holds at least `share` of `origin`
   * (see firstSettled); rejects after `timeoutMs` with the shares seen.
   */
  waitForShare(
    from: number,
    origin: Origin,
    share: number,
    window: SlidingWindow,
    timeoutMs: number,
  ): Promise<Settled>;
  close(): Promise<void>;
}

function describeWindow(window: SlidingWindow): string {
  return 'results' in window
    ? `the last ${window.results} results`
    : `the results of the last ${window.ms} ms`;
}

/** Subscribes to `calculation` on `redisUrl`; resolves once subscribed. */
export async function subscribeResults(redisUrl: string): Promise<ResultStream> {
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  const results: Result[] = [];
  const waiters = new Set<() => void>();
  subscriber.on('message', (_channel: string, message: string) => {
    results.push({ at: Date.now(), origin: originOf(message) });
    for (const wake of waiters) wake();
  });
  subscriber.on('error', () => undefined); // a lost connection shows as results that stop arriving
  await subscriber.connect();
  await subscriber.subscribe(CALCULATION_CHANNEL);

  return {
    results,
    count: () => results.length,
    waitForShare(from, origin, share, window, timeoutMs) {
      const minResults = 'ms' in window ? 3 : 1;
      const check = (): Settled | undefined => firstSettled(results, from, origin, share, window, minResults);
      const found = check();
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          const since = results.slice(from);
          const last = since.slice(-20);
          reject(
            new Error(
              `not ${Math.round(share * 100)} % ${origin} over ${describeWindow(window)} within ` +
                `${timeoutMs} ms: ${since.length} results since, ${Math.round(shareOf(since, origin) * 100)} % ` +
                `${origin}; the last ${last.length}: ${last.map((r) => (r.origin === 'burst' ? 'B' : 'p')).join('')}`,
            ),
          );
        }, timeoutMs);
        function wake(): void {
          const settled = check();
          if (settled === undefined) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(settled);
        }
        waiters.add(wake);
      });
    },
    async close() {
      waiters.clear();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
