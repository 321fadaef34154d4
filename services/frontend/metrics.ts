import { Counter, Gauge, Registry } from 'prom-client';
import type { LoadGenerator } from './load-generator.js';
import type { ResultsFeed } from './results.js';

/** The frontend's own metrics; counters are read from the generator and the feed at scrape time. */
export function createFrontendMetrics(load: LoadGenerator, feed: ResultsFeed, pages: () => number): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'spillway_frontend_rate_asked',
    help: 'Requests per second the load generator is asked to send.',
    registers: [registry],
    collect() {
      this.set(load.rps);
    },
  });
  new Counter({
    name: 'spillway_frontend_load_requests_total',
    help: 'Load generator requests by outcome (sent, ok, error, dropped at the in-flight bound).',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, count] of Object.entries(load.stats().requests.total))
        this.inc({ outcome }, count);
    },
  });
  new Counter({
    name: 'spillway_frontend_results_total',
    help: 'Results received on the Redis calculation channel, by origin (primary or burst).',
    labelNames: ['origin'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [origin, count] of Object.entries(feed.totals())) this.inc({ origin }, count);
    },
  });
  new Gauge({
    name: 'spillway_frontend_pages',
    help: 'Pages connected by websocket.',
    registers: [registry],
    collect() {
      this.set(pages());
    },
  });
  return registry;
}
