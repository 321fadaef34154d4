import type { Observation } from '../../../core/policy/types.js';
import { errorText, timedOut, unreachable, untilAborted, type Clock, type MetricsSource } from './types.js';

export interface PrometheusSourceOptions {
  /** The server's base URL (`http://prometheus:9090`, or with a path prefix); `/api/v1/query` is appended. */
  readonly url: string;
  readonly query: string;
  readonly timeoutMs: number;
  /** `prometheus` by default; the managed endpoint reports `managed-prometheus`. */
  readonly name?: string;
  /** Headers for each request (authorization); may fetch a token. Counted within the timeout. */
  readonly headers?: () => Promise<Record<string, string>> | Record<string, string>;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
}

/** An `Authorization` header for a bearer token or basic credentials. */
export function authorizationHeader(
  auth: { type: 'bearer'; token: string } | { type: 'basic'; username: string; password: string },
): Record<string, string> {
  return auth.type === 'bearer'
    ? { authorization: `Bearer ${auth.token}` }
    : { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
}

/** The Prometheus HTTP API's instant query: `GET <url>/api/v1/query?query=…`. */
export function prometheusSource(options: PrometheusSourceOptions): MetricsSource {
  const name = options.name ?? 'prometheus';
  const base = options.url.endsWith('/') ? options.url : `${options.url}/`;
  const endpoint = new URL('api/v1/query', base);
  endpoint.searchParams.set('query', options.query);
  const fetchImpl = options.fetch ?? fetch;
  const clock = options.clock ?? (() => new Date());
  const where = `${name} at ${options.url}`;

  return {
    name,
    query: options.query,
    async read(signal: AbortSignal): Promise<Observation> {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const both = AbortSignal.any([signal, timeout]);
      try {
        const headers = await untilAborted(Promise.resolve(options.headers?.() ?? {}), both);
        const answer = await fetchImpl(endpoint, {
          headers: { accept: 'application/json', ...headers },
          signal: both,
        });
        const text = await answer.text();
        return parsePrometheusAnswer(answer.status, text, {
          name,
          query: options.query,
          where,
          now: clock(),
        });
      } catch (err) {
        if (timeout.aborted) return timedOut(`${where} did not answer within ${options.timeoutMs} ms`);
        if (signal.aborted) return timedOut(`${where} did not answer before the call's deadline`);
        return unreachable(`${where} cannot be reached: ${errorText(err)}`);
      }
    },
  };
}

interface AnswerContext {
  readonly name: string;
  readonly query: string;
  readonly where: string;
  /** The sample time of an empty answer (there is none). */
  readonly now: Date;
}

type Sample = [number, string];
interface ApiAnswer {
  status?: unknown;
  errorType?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

/**
 * Reads an answer of `/api/v1/query`: a vector's values are summed (`series` says how many there were) and
 * its oldest sample time is the observation's time; a scalar is one series. An error answer, a non-2xx
 * status or a range vector is `source-unreachable` with Prometheus' own words as the detail.
 */
export function parsePrometheusAnswer(status: number, text: string, context: AnswerContext): Observation {
  let body: ApiAnswer | undefined;
  try {
    body = JSON.parse(text) as ApiAnswer;
  } catch {
    body = undefined;
  }
  const reported =
    body !== undefined && body.status === 'error'
      ? `${String(body.errorType ?? 'error')}: ${String(body.error ?? '')}`
      : undefined;
  if (status < 200 || status > 299)
    return unreachable(`${context.where} answered HTTP ${status}: ${reported ?? snippet(text)}`);
  if (body === undefined || typeof body !== 'object' || body === null)
    return unreachable(`${context.where} answered something that is not JSON: ${snippet(text)}`);
  if (reported !== undefined) return unreachable(`${context.where} answered an error: ${reported}`);
  if (body.status !== 'success' || body.data === undefined)
    return unreachable(`${context.where} answered without a result: ${snippet(text)}`);

  const { resultType, result } = body.data;
  let samples: Sample[];
  if (resultType === 'vector' && Array.isArray(result)) {
    samples = result.map((series: unknown) => (series as { value?: unknown }).value as Sample);
  } else if (resultType === 'scalar' && Array.isArray(result)) {
    samples = [result as unknown as Sample];
  } else {
    return unreachable(
      `the query gives a ${String(resultType)}, not an instant vector: use one value per series, ` +
        `e.g. sum(rate(metric[15s]))`,
    );
  }
  if (!samples.every(isSample))
    return unreachable(`${context.where} answered malformed samples: ${snippet(text)}`);
  const base = { ok: true as const, source: context.name, query: context.query, series: samples.length };
  if (samples.length === 0) return { ...base, rps: 0, at: context.now };
  const rps = samples.reduce((sum, [, value]) => sum + sampleValue(value), 0);
  const at = new Date(Math.min(...samples.map(([time]) => time)) * 1000);
  return { ...base, rps, at };
}

function isSample(value: unknown): value is Sample {
  return Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string';
}

/** Prometheus writes values as strings: `"18.9"`, `"NaN"`, `"+Inf"`, `"-Inf"`. */
export function sampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  const n = Number(text);
  return text.trim() === '' ? NaN : n;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty body)';
}
