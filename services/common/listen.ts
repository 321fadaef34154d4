import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../core/logger.js';

/** Listens on HOST:PORT and logs it with `fields`; a port that cannot be had stops the process. */
export async function listenOrExit(
  app: FastifyInstance,
  logger: Logger,
  where: { HOST: string; PORT: number },
  message: string,
  fields: Record<string, unknown> = {},
): Promise<void> {
  try {
    const address = await app.listen({ port: where.PORT, host: where.HOST });
    logger.info({ address, ...fields }, message);
  } catch (err) {
    logger.fatal({ err }, `cannot listen on ${where.HOST}:${String(where.PORT)}`);
    process.exit(1);
  }
}
