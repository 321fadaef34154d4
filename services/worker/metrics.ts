import { Counter, Registry } from 'prom-client';

export interface WorkerMetrics {
  readonly registry: Registry;
  readonly published: Counter<'cluster'>;
  readonly publishFailures: Counter<'cluster' | 'reason'>;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  return {
    registry,
    published: new Counter({
      name: 'spillway_worker_hashes_published_total',
      help: 'Hashes that Redis accepted on the calculation channel.',
      labelNames: ['cluster'] as const,
      registers: [registry],
    }),
    publishFailures: new Counter({
      name: 'spillway_worker_publish_failures_total',
      help: 'Hashes that could not be published to Redis (answered 503), by reason.',
      labelNames: ['cluster', 'reason'] as const,
      registers: [registry],
    }),
  };
}
