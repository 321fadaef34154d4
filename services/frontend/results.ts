import { Origins, originOf, type Origin } from './origin.js';
import { PerSecondCounters } from './per-second.js';

/** Results kept for the page (the newest), and the longest result text shown. */
export const RECENT_RESULTS = 200;
const MAX_RESULT_CHARS = 256;
/** Seconds over which `results` counts are given, and seconds of chart history. */
export const RESULTS_WINDOW_S = 5;
const HISTORY_S = 60;

export interface ResultCounts {
  primary: number;
  burst: number;
}

/**
 * The results arriving on Redis `calculation`: counted per second by origin, and queued for the next batch
 * to the pages. Memory is bounded: only the newest RECENT_RESULTS are kept, whatever the arrival rate.
 */
export class ResultsFeed {
  readonly #perSecond = new PerSecondCounters(Origins, HISTORY_S + 1);
  #recent: string[] = [];
  #pending: string[] = [];
  #total: Record<Origin, number> = { primary: 0, burst: 0 };

  add(result: string, nowMs: number): void {
    const text = result.length > MAX_RESULT_CHARS ? result.slice(0, MAX_RESULT_CHARS) + '…' : result;
    const origin = originOf(text);
    this.#total[origin]++;
    this.#perSecond.add(origin, nowMs);
    this.#pending.push(text);
    if (this.#pending.length > 2 * RECENT_RESULTS) this.#pending = this.#pending.slice(-RECENT_RESULTS);
  }

  /** The results since the last call, newest last, at most RECENT_RESULTS. */
  takeBatch(): string[] {
    const batch =
      this.#pending.length > RECENT_RESULTS ? this.#pending.slice(-RECENT_RESULTS) : this.#pending;
    this.#pending = [];
    this.#recent = this.#recent.concat(batch).slice(-RECENT_RESULTS);
    return batch;
  }

  /** The newest results already batched, newest last (for a page that just connected). */
  recent(): readonly string[] {
    return this.#recent;
  }

  totals(): ResultCounts {
    return { ...this.#total };
  }

  /** Results per origin over the last RESULTS_WINDOW_S complete seconds. */
  lastSeconds(nowMs: number): ResultCounts {
    return this.#perSecond.sum(nowMs, RESULTS_WINDOW_S);
  }

  history(nowMs: number): ({ t: number } & ResultCounts)[] {
    return this.#perSecond.history(nowMs, HISTORY_S);
  }
}
