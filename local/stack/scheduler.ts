/**
 * The local stand-in for Cloud Scheduler: calls the decider every `everyMs`, one call at a time (a call that
 * takes longer delays the next, as a job's attempt deadline would), and writes one JSON line per call.
 */
export interface DeciderAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface SchedulerOptions {
  readonly everyMs: number;
  /** One call of the decider (an HTTP POST, or the in-process decider in direct-push mode). */
  readonly call: () => Promise<DeciderAnswer>;
  /** Receives one record per call: {time, status, ms, …the decider's answer} or {time, error, ms}. */
  readonly record: (line: Record<string, unknown>) => void;
}

export interface Scheduler {
  /** Calls made so far. */
  readonly calls: number;
  /** Ends the loop; resolves once a call in progress has finished. Idempotent. */
  stop(): Promise<void>;
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  let stopped = false;
  let calls = 0;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;

  const once = async (): Promise<void> => {
    const started = Date.now();
    calls++;
    try {
      const answer = await options.call();
      const body =
        typeof answer.body === 'object' && answer.body !== null && !Array.isArray(answer.body)
          ? (answer.body as Record<string, unknown>)
          : { body: answer.body };
      options.record({
        time: new Date(started).toISOString(),
        status: answer.status,
        ms: Date.now() - started,
        ...body,
      });
    } catch (err) {
      options.record({
        time: new Date(started).toISOString(),
        ms: Date.now() - started,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  };

  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      await once();
      const pause = Math.max(0, options.everyMs - (Date.now() - started));
      if (stopped) break;
      await new Promise<void>((resume) => {
        wake = resume;
        timer = setTimeout(resume, pause);
        timer.unref();
      });
    }
  })();

  return {
    get calls() {
      return calls;
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}

/** One call of a decider function over HTTP (POST, as Cloud Scheduler's HTTP target does). */
export async function callDeciderOverHttp(url: string, timeoutMs: number): Promise<DeciderAnswer> {
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Google-Cloud-Scheduler' },
    body: '{}',
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await answer.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text in the record
  }
  return { status: answer.status, body };
}
