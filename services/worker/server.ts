import { WorkerConfigSchema } from '../../core/config/worker.js';
import { createLogger } from '../../core/logger.js';
import { loadConfigOrExit } from '../common/config.js';
import { createRedisClient } from '../common/redis.js';
import { listenOrExit } from '../common/listen.js';
import { installProcessHandlers } from '../common/shutdown.js';
import { buildWorkerApp } from './app.js';

const config = loadConfigOrExit('worker', WorkerConfigSchema);
const logger = createLogger({
  service: 'worker',
  level: config.LOG_LEVEL,
  pretty: process.stdout.isTTY,
  base: { cluster: config.CLUSTER_NAME },
});
const redis = createRedisClient(
  {
    url: config.REDIS_URL,
    commandTimeoutMs: config.REDIS_TIMEOUT_MS,
    queueWhileDisconnected: false,
    role: 'publisher',
  },
  logger,
);
const { app, markDraining } = buildWorkerApp({ config, logger, redis, defaultMetrics: true });

installProcessHandlers(app, logger, {
  graceMs: config.SHUTDOWN_GRACE_MS,
  beforeClose: markDraining,
  afterClose: async () => void (await redis.quit().catch(() => redis.disconnect())),
});

await listenOrExit(app, logger, config, 'worker listening', { prefix: config.PREFIX });
