import { LogController, type FastifyServerOptions } from 'fastify';
import type { Logger } from '../../core/logger.js';
import { answerClientError } from './client-errors.js';

/**
 * fastify options shared by the services: strict body validation (no type coercion: `{"str": 1}` is an
 * error, not "1"), a body size bound, no per-request log lines on the hot path.
 */
export function serviceHttpOptions(logger: Logger, bodyLimit: number): FastifyServerOptions {
  return {
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  };
}
