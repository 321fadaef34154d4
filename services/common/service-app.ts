import Fastify, { LogController, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import type { Logger } from '../../core/logger.js';
import { answerClientError } from './client-errors.js';
import { installDrain } from './drain.js';
import { installErrorHandling } from './errors.js';
import { installMetrics } from './metrics.js';

export interface ServiceAppOptions {
  /** The `service` label of the request metrics. */
  service: string;
  logger: Logger;
  bodyLimit: number;
  /** The service's own metrics, served on `/metrics` with the request durations. */
  registry: Registry;
  defaultMetrics: boolean;
  /** The Redis connection's state, for readiness (`drain.readiness`). */
  redisStatus: () => string;
}

/**
 * A service's fastify app with what both services share: strict body validation (no type coercion:
 * `{"str": 1}` is an error, not "1"), a body size bound, JSON bodies only (without that, text/plain would
 * be parsed as a string and fail later, less precisely), no per-request log lines on the hot path, JSON
 * errors, `/metrics`, and the shutdown state whose `readiness` handler the service routes on `/_healthz`.
 */
export function createServiceApp(options: ServiceAppOptions) {
  const httpOptions: FastifyServerOptions = {
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit,
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  };
  const app = Fastify(httpOptions).withTypeProvider<TypeBoxTypeProvider>();
  app.removeContentTypeParser('text/plain');
  installErrorHandling(app);
  const drain = installDrain(app, options.redisStatus);
  installMetrics(app, options.registry, { service: options.service, defaultMetrics: options.defaultMetrics });
  return { app, drain };
}
