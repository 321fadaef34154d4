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
import { routingAccessOrExit } from './routing-access.js';
import { RoutingFeed } from './routing-feed.js';
import { RoutingWatch } from './routing-watch.js';

const config = loadConfigOrExit('frontend', FrontendConfigSchema);
const logger = createLogger({ service: 'frontend', level: config.LOG_LEVEL, pretty: process.stdout.isTTY });

// The routing panel: the VirtualService through ROUTING_KUBECONFIG, else the pod's ServiceAccount.
const inCluster = (process.env['KUBERNETES_SERVICE_HOST'] ?? '') !== '';
const access = routingAccessOrExit(config.ROUTING_KUBECONFIG, inCluster);
const routingTarget = { namespace: config.ROUTING_NAMESPACE, virtualService: config.ROUTING_VIRTUAL_SERVICE };
const routing = new RoutingFeed({
  target: routingTarget,
  routeName: config.ROUTING_ROUTE,
  source:
    access.kind === 'none'
      ? { unavailable: access.reason }
      : { watch: new RoutingWatch({ kubeConfig: access.kubeConfig, target: routingTarget, logger }) },
});
logger.info(
  {
    ...routingTarget,
    access: access.kind,
    ...(access.kind === 'kubeconfig' ? { kubeconfig: access.path } : {}),
  },
  access.kind === 'none' ? `routing panel without routing state: ${access.reason}` : 'routing panel watching',
);

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
  routing,
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
