/**
 * The closed-loop load the throughput benches drive with autocannon: CONNECTIONS connections, `POST /`
 * with BODY, a WARMUP_SECONDS warm-up that is not counted, then the measured period.
 */
import autocannon from 'autocannon';

export const CONNECTIONS = 50;
export const WARMUP_SECONDS = 2;
export const BODY = JSON.stringify({ str: 'abcdefghijklmnopqrstuvwxyz012345' }); // a 32-character string

/** What one measured period gave. */
export interface LoadFigures {
  /** Requests answered during the measured period (the warm-up is not counted). */
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

function drive(url: string, seconds: number, expectBody: string | undefined): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    body: BODY,
    ...(expectBody === undefined ? {} : { expectBody }),
  });
}

/**
 * Warms `url` up, then measures it for `seconds`. With `expectBody`, 2xx answers with another body are
 * counted as `mismatches`.
 */
export async function measureLoad(
  label: string,
  url: string,
  seconds: number,
  expectBody?: string,
): Promise<{ figures: LoadFigures; mismatches: number }> {
  process.stderr.write(`${label}: ${WARMUP_SECONDS} s warm-up, then ${seconds} s measured\n`);
  await drive(url, WARMUP_SECONDS, expectBody);
  const result = await drive(url, seconds, expectBody);
  return {
    figures: {
      requests: result.requests.total,
      requestsPerSecond: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
    },
    mismatches: result.mismatches,
  };
}
