import type { Observation } from '../../../core/policy/types.js';

/**
 * Where a target's request rate comes from. `read` never rejects: every failure is an Observation with a
 * cause (`source-unreachable`, `source-timeout`) and a detail for the log. Sources report raw values — the
 * policy turns no series, NaN/Inf, negative, stale samples and too many series into failure causes.
 */
export interface MetricsSource {
  /** `prometheus`, `managed-prometheus`, `cloud-monitoring`: the decision's `observed.source`. */
  readonly name: string;
  /** The PromQL or the Cloud Monitoring filter: the decision's `observed.query`. */
  readonly query: string;
  /** One reading; gives up when `signal` aborts (the call's deadline) or after the source's own timeout. */
  read(signal: AbortSignal): Promise<Observation>;
}

/** The current time; injected so tests can pin it. */
export type Clock = () => Date;

/** Failures of a read, in the words the policy and the logs use. */
export function unreachable(detail: string): Observation {
  return { ok: false, cause: 'source-unreachable', detail };
}

export function timedOut(detail: string): Observation {
  return { ok: false, cause: 'source-timeout', detail };
}

/** What a failed network call says, including the cause undici hides behind "fetch failed". */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    const text =
      code === undefined || cause.message.includes(code) ? cause.message : `${code} ${cause.message}`;
    return `${err.message}: ${text}`;
  }
  return err.message;
}

/**
 * Runs `work` until `signal` aborts; the abort wins even when `work` ignores the signal (a client
 * library's call, a token fetch).
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
