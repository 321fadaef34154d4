import { CALCULATION_CHANNEL } from '../../core/channels.js';
import { FrontendConfigSchema } from '../../core/config/frontend.js';
import { createLogger } from '../../core/logger.js';
import { loadConfigOrExit } from '../common/config.js';
import { closeRedis, createSubscriber } from '../common/redis.js';
import { listenOrExit } from '../common/listen.js';
import { installProcessHandlers } from '../common/shutdown.js';
import { buildFrontendApp } from './app.js';
import { LoadGenerator } from './load-generator.js';
import { ResultsFeed } from './results.js';

const config = loadConfigOrExit('frontend', FrontendConfigSchema);
const logger = createLogger({ service: 'frontend', level: config.LOG_LEVEL, pretty: process.stdout.isTTY });

const feed = new ResultsFeed();
const subscriber = createSubscriber(config.REDIS_URL, logger);
subscriber.on('message', (_channel: string, message: string) => feed.add(message, Date.now()));
// Subscribed again by ioredis after every reconnect (autoResubscribe).
subscriber.subscribe(CALCULATION_CHANNEL).catch((err: unknown) => logger.error({ err }, 'cannot subscribe'));

const load = new LoadGenerator({
  processorUrl: config.PROCESSOR_URL,
  maxInFlight: config.MAX_IN_FLIGHT,
  maxConnections: config.MAX_CONNECTIONS,
  requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
  logger,
});

const { app, markDraining } = await buildFrontendApp({
  config,
  logger,
  load,
  feed,
  redisStatus: () => subscriber.status,
  defaultMetrics: true,
});

installProcessHandlers(app, logger, {
  graceMs: config.SHUTDOWN_GRACE_MS,
  beforeClose: () => {
    markDraining();
    load.setRate(0);
  },
  afterClose: async () => {
    await load.close();
    await closeRedis(subscriber);
  },
});

await listenOrExit(app, logger, config, 'frontend listening', { processor: config.PROCESSOR_URL });
