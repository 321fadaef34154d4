/**
 * Helpers for the mesh's tests: tiny upstream servers on loopback that say who they are, and reading
 * `istio_requests_total` samples out of the Prometheus text format.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../test-support/listen-loopback.js';

export interface TestUpstream {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  /** Requests answered so far. */
  readonly served: () => number;
  close(): Promise<void>;
}

/**
 * A node:http server on 127.0.0.1 that answers every request with its own name, after reading the body;
 * `handler` replaces that answer.
 */
export async function startUpstream(
  name: string,
  handler?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void,
): Promise<TestUpstream> {
  let served = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      served++;
      if (handler) handler(req, res, Buffer.concat(chunks));
      else res.end(name);
    });
  });
  server.keepAliveTimeout = 60_000;
  const port = await listenOnLoopback(server);
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    served: () => served,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** The sum of `metric` samples whose labels include all of `labels` (Prometheus text format). */
export function sampleSum(text: string, metric: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const close = line.lastIndexOf('}');
    const body = line.slice(metric.length + 1, close);
    const found = new Map<string, string>();
    for (const m of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      found.set(m[1] as string, m[2] as string);
    if (Object.entries(labels).every(([k, v]) => found.get(k) === v))
      sum += Number(line.slice(close + 1).trim());
  }
  return sum;
}
