/**
 * A tiny scrape target for tests: serves Istio's `istio_requests_total` counter in the Prometheus text
 * format, one series per destination service, growing at the rate the test sets (req/s), or NaN.
 */
import { createServer, type Server } from 'node:http';
import { listenOnLoopback } from '../../../local/test-support/listen-loopback.js';

export const WORKER_SERVICE = 'worker-service.default.svc.cluster.local';

/** PromQL for one destination service, the codelab's labels, `irate` so a new rate shows within 2 scrapes. */
export function rateQuery(destinationService: string): string {
  return `sum(irate(istio_requests_total{reporter="destination",destination_service="${destinationService}",source_workload="frontend-deployment"}[5s]))`;
}

interface Series {
  value: number;
  rate: number;
  since: number;
}

export interface RequestCounter {
  readonly port: number;
  /** From now on the service's counter grows by `rps` per second (NaN: the counter reads NaN). */
  setRate(destinationService: string, rps: number): void;
  /** How many times Prometheus scraped. */
  scrapes(): number;
  close(): Promise<void>;
}

export async function startRequestCounter(): Promise<RequestCounter> {
  const series = new Map<string, Series>();
  let scrapes = 0;
  const valueOf = (s: Series, now: number): number => s.value + (s.rate * (now - s.since)) / 1000;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrapes += 1;
    const now = Date.now();
    const lines = ['# TYPE istio_requests_total counter'];
    for (const [service, s] of series) {
      const labels = `reporter="destination",destination_service="${service}",source_workload="frontend-deployment",source_app="frontend"`;
      const value = valueOf(s, now);
      lines.push(`istio_requests_total{${labels}} ${Number.isNaN(value) ? 'NaN' : value.toFixed(3)}`);
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  const port = await listenOnLoopback(server);
  return {
    port,
    setRate(service, rps) {
      const now = Date.now();
      const current = series.get(service);
      const value = current === undefined || Number.isNaN(current.rate) ? 0 : valueOf(current, now);
      series.set(service, { value: Number.isNaN(rps) ? NaN : value, rate: rps, since: now });
    },
    scrapes: () => scrapes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
