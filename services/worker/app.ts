import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Redis } from 'ioredis';
import type { WorkerConfig } from '../../core/config/worker.js';
import { CALCULATION_CHANNEL } from '../../core/channels.js';
import { ErrorCode, SpillwayError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { createServiceApp } from '../common/service-app.js';
import { codelabHash } from './hash.js';
import { createWorkerMetrics } from './metrics.js';
import { RandomPool } from './random-pool.js';

export const MAX_STR_LENGTH = 4096;
const BODY_LIMIT_BYTES = 16 * 1024;

const HashRequest = Type.Object({ str: Type.String({ minLength: 1, maxLength: MAX_STR_LENGTH }) });
const HashResponse = Type.Object({ hash: Type.String() });

export interface WorkerDeps {
  config: Pick<WorkerConfig, 'PREFIX' | 'CLUSTER_NAME'>;
  logger: Logger;
  /** A publisher connection; it must not queue commands while disconnected. */
  redis: Pick<Redis, 'publish' | 'status'>;
  defaultMetrics?: boolean;
  /** The hour put into the hash; the worker's local hour unless a test fixes it. */
  hour?: () => number;
}

export interface WorkerApp {
  app: FastifyInstance;
  /** Readiness turns false for good (used at shutdown). */
  markDraining(): void;
}

export function buildWorkerApp(deps: WorkerDeps): WorkerApp {
  const { config, redis } = deps;
  const hour = deps.hour ?? (() => new Date().getHours());
  const metrics = createWorkerMetrics();
  const random = new RandomPool();
  const cluster = config.CLUSTER_NAME;

  const { app, drain } = createServiceApp({
    service: 'worker',
    logger: deps.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    registry: metrics.registry,
    defaultMetrics: deps.defaultMetrics ?? false,
    redisStatus: () => redis.status,
  });

  // Liveness: the process serves HTTP. Stays 200 while Redis is down, so the pod is not restarted for it.
  app.get('/', async () => ({ status: 'ok' }));

  // Readiness: Redis is connected and the worker is not draining.
  app.get('/_healthz', drain.readiness);

  app.post('/', { schema: { body: HashRequest, response: { 200: HashResponse } } }, async (request) => {
    const { str } = request.body;
    const hash = config.PREFIX + codelabHash(str, random.take(str.length), hour());
    try {
      await redis.publish(CALCULATION_CHANNEL, hash);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      metrics.publishFailures.inc({ cluster, reason: /timed out/i.test(reason) ? 'timeout' : 'unavailable' });
      throw new SpillwayError(ErrorCode.RedisUnavailable, `Redis did not accept the publish: ${reason}`, {
        cause: err,
      });
    }
    metrics.published.inc({ cluster });
    return { hash };
  });

  return { app, markDraining: drain.markDraining };
}
