import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { Histogram, collectDefaultMetrics } from 'prom-client';

/** Request durations of every route, and `/metrics` in Prometheus' text format. */
export function installMetrics(
  app: FastifyInstance,
  registry: Registry,
  options: { service: string; defaultMetrics?: boolean },
): void {
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'spillway_' });
  const duration = new Histogram({
    name: 'spillway_http_request_duration_seconds',
    help: 'Duration of HTTP requests served, by route and status code.',
    labelNames: ['service', 'method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route !== '/metrics') {
      duration.observe(
        { service: options.service, method: request.method, route, status_code: reply.statusCode },
        reply.elapsedTime / 1000,
      );
    }
    done();
  });
  app.get('/metrics', async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
