import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import type { Logger } from '../../core/logger.js';
import { PerSecondCounters } from './per-second.js';
import { account, due, startPace, type Pace } from './pacer.js';

const Outcomes = ['sent', 'ok', 'error', 'dropped'] as const;
export type Outcome = (typeof Outcomes)[number];

export interface LoadGeneratorOptions {
  /** Where to POST `{"str": ...}`: the worker Service (through the mesh). */
  processorUrl: string;
  maxInFlight: number;
  maxConnections: number;
  requestTimeoutMs: number;
  logger: Logger;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
  /** How often the pacer wakes up (ms). */
  tickMs?: number;
}

export interface LoadStats {
  rps: { asked: number; achieved: number };
  requests: { inFlight: number; total: Record<Outcome, number>; lastSeconds: Record<Outcome, number> };
}

/** Seconds over which `achieved` is measured. */
const ACHIEVED_WINDOW_S = 5;

/**
 * The server-side load generator: POSTs random strings to the processor at the asked rate, open loop
 * (a slow processor does not slow the rate down), over keep-alive connections, with a bound on requests in
 * flight. A request due while at the bound is not sent and is counted as dropped.
 */
export class LoadGenerator {
  readonly #options: Required<LoadGeneratorOptions>;
  readonly #pool: Pool;
  readonly #path: string;
  readonly #perSecond = new PerSecondCounters(Outcomes, 60);
  readonly #total: Record<Outcome, number> = { sent: 0, ok: 0, error: 0, dropped: 0 };
  #pace: Pace;
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #lastError = '';

  constructor(options: LoadGeneratorOptions) {
    this.#options = { now: () => performance.now(), tickMs: 5, ...options };
    const url = new URL(options.processorUrl);
    this.#path = url.pathname + url.search;
    this.#pool = new Pool(url.origin, {
      connections: options.maxConnections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      connectTimeout: options.requestTimeoutMs,
    });
    this.#pace = startPace(0, this.#options.now());
  }

  get rps(): number {
    return this.#pace.rps;
  }

  /** Sets the rate (requests per second); 0 stops. The caller has validated the range. */
  setRate(rps: number): void {
    this.#pace = startPace(rps, this.#options.now());
    if (rps > 0 && this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.#options.tickMs);
      this.#timer.unref();
    } else if (rps === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
    this.#options.logger.info({ rps }, 'load generator rate set');
  }

  stats(): LoadStats {
    const now = Date.now();
    const lastSeconds = this.#perSecond.sum(now, ACHIEVED_WINDOW_S);
    return {
      rps: { asked: this.#pace.rps, achieved: round2(lastSeconds.sent / ACHIEVED_WINDOW_S) },
      requests: { inFlight: this.#inFlight, total: { ...this.#total }, lastSeconds },
    };
  }

  /** Stops sending and closes the connections (waits for requests in flight). */
  async close(): Promise<void> {
    this.setRate(0);
    await this.#pool.close();
  }

  #tick(): void {
    const count = due(this.#pace, this.#options.now());
    if (count === 0) return;
    this.#pace = account(this.#pace, count);
    for (let i = 0; i < count; i++) {
      if (this.#inFlight >= this.#options.maxInFlight) {
        this.#count('dropped', count - i);
        return;
      }
      this.#send();
    }
  }

  #send(): void {
    this.#inFlight++;
    this.#count('sent');
    const body = `{"str":"${randomBytes(12).toString('base64url')}"}`;
    this.#pool
      .request({ path: this.#path, method: 'POST', headers: { 'content-type': 'application/json' }, body })
      .then(async (response) => {
        await response.body.dump();
        this.#count(response.statusCode >= 200 && response.statusCode < 300 ? 'ok' : 'error');
      })
      .catch((err: unknown) => {
        this.#count('error');
        const message = err instanceof Error ? err.message : String(err);
        if (message !== this.#lastError) {
          this.#lastError = message;
          this.#options.logger.warn({ reason: message }, 'request to processor failed');
        }
      })
      .finally(() => {
        this.#inFlight--;
      });
  }

  #count(outcome: Outcome, n = 1): void {
    this.#total[outcome] += n;
    this.#perSecond.add(outcome, Date.now(), n);
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
