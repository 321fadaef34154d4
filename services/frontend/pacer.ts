/**
 * Open-loop pacing for the load generator: how many requests are due now so that, on average, exactly
 * `rps` requests start per second since the rate was set — whatever the timer's jitter. Pure.
 */
export interface Pace {
  /** Requests per second asked for; 0 means stopped. */
  readonly rps: number;
  /** When this rate was set (ms, any monotonic clock). */
  readonly since: number;
  /** Requests accounted for (started or dropped) since then. */
  readonly accounted: number;
}

export function startPace(rps: number, now: number): Pace {
  return { rps, since: now, accounted: 0 };
}

/** Requests due at `now` that are not yet accounted for. Never negative. */
export function due(pace: Pace, now: number): number {
  if (pace.rps <= 0) return 0;
  const total = Math.floor(((now - pace.since) * pace.rps) / 1000);
  return Math.max(0, total - pace.accounted);
}

export function account(pace: Pace, count: number): Pace {
  return { ...pace, accounted: pace.accounted + count };
}
