import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../core/logger.js';

export interface ShutdownOptions {
  /** How long to wait for requests in flight before exiting anyway. */
  graceMs: number;
  /** Called after the HTTP server closed (close clients here). */
  afterClose?: () => Promise<void>;
  /** Called first, before the server stops accepting (e.g. fail readiness, stop load). */
  beforeClose?: () => void;
}

/**
 * On SIGTERM or SIGINT: stop accepting connections, let requests in flight finish (up to the grace period),
 * close the clients, exit 0. A second signal exits at once. Also keeps a stray promise rejection or
 * exception from killing the service: it is logged at ERROR instead.
 */
export function installProcessHandlers(app: FastifyInstance, logger: Logger, options: ShutdownOptions): void {
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal, graceMs: options.graceMs }, 'shutting down: draining requests in flight');
    options.beforeClose?.();
    const force = setTimeout(() => {
      logger.warn('grace period over; exiting with requests still in flight');
      process.exit(1);
    }, options.graceMs);
    force.unref();
    app
      .close()
      .then(() => options.afterClose?.())
      .then(
        () => {
          logger.info('shut down cleanly');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'error while shutting down');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));
}
