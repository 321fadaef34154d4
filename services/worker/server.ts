import { WorkerConfigSchema } from '../../core/config/worker.js';
import { createLogger } from '../../core/logger.js';
import { loadConfigOrExit } from '../common/config.js';
import { closeRedis, createPublisher } from '../common/redis.js';
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
const redis = createPublisher(config.REDIS_URL, config.REDIS_TIMEOUT_MS, logger);
const { app, markDraining } = buildWorkerApp({ config, logger, redis, defaultMetrics: true });

installProcessHandlers(app, logger, {
  graceMs: config.SHUTDOWN_GRACE_MS,
  beforeClose: markDraining,
  afterClose: () => closeRedis(redis),
});

await listenOrExit(app, logger, config, 'worker listening', { prefix: config.PREFIX });
