import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import Type from 'typebox';
import type { WebSocket } from 'ws';
import type { FrontendConfig } from '../../core/config/frontend.js';
import { ErrorCode, SpillwayError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { createServiceApp } from '../common/service-app.js';
import { loadAssets } from './assets.js';
import type { LoadGenerator } from './load-generator.js';
import { createFrontendMetrics } from './metrics.js';
import { RESULTS_WINDOW_S, type ResultsFeed } from './results.js';
import { RoutingFeed } from './routing-feed.js';

/** How often results are sent to the pages, and the most a slow page may have buffered before it misses one. */
const BATCH_INTERVAL_MS = 100;
const MAX_BUFFERED_BYTES = 1 << 20;
/** The largest request body, and the largest websocket message a page may send. */
const MAX_INPUT_BYTES = 4096;

const PUBLIC_DIR = new URL('./public/', import.meta.url);
const PAGE_PATH = new URL('index.html', PUBLIC_DIR);
/** Headers of everything served from the page's folder. */
const ASSET_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};
/**
 * The page's own policy (also in its meta tag), plus what a meta tag cannot say. Its styles and scripts are
 * files served from here (`/assets/…`); nothing inline is allowed.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; " +
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  ...ASSET_HEADERS,
  'referrer-policy': 'no-referrer',
};
const AssetParams = Type.Object({ file: Type.String() });

/**
 * Browsers send `Origin` on websocket upgrades: only the page served from this host may open the feed.
 * Clients without an Origin (tools, tests) are not browsers and are let in.
 */
function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

const RateRequest = Type.Object({ rps: Type.Number() });

export interface FrontendDeps {
  config: Pick<FrontendConfig, 'MAX_RATE'>;
  logger: Logger;
  load: LoadGenerator;
  feed: ResultsFeed;
  /** The subscriber connection's state (`ready` when subscribed). */
  redisStatus: () => string;
  /**
   * The routing panel's data (started with the app, stopped when it closes). Without it, the panel says that
   * this frontend has no routing state.
   */
  routing?: RoutingFeed;
  defaultMetrics?: boolean;
}

/** The codelab's VirtualService: the target of a frontend built without a routing feed. */
const DEFAULT_ROUTING_TARGET = { namespace: 'default', virtualService: 'worker-virtual-service' } as const;

export interface FrontendApp {
  app: FastifyInstance;
  markDraining(): void;
}

export async function buildFrontendApp(deps: FrontendDeps): Promise<FrontendApp> {
  const { config, load, feed } = deps;
  const routing =
    deps.routing ??
    new RoutingFeed({
      target: DEFAULT_ROUTING_TARGET,
      source: { unavailable: 'this frontend was started without a routing feed' },
    });
  const page = readFileSync(PAGE_PATH);
  const assets = loadAssets(PUBLIC_DIR);
  const pages = new Set<WebSocket>();

  const { app, drain } = createServiceApp({
    service: 'frontend',
    logger: deps.logger,
    bodyLimit: MAX_INPUT_BYTES,
    registry: createFrontendMetrics(load, feed, () => pages.size),
    defaultMetrics: deps.defaultMetrics ?? false,
    redisStatus: deps.redisStatus,
  });
  await app.register(websocket, {
    options: {
      maxPayload: MAX_INPUT_BYTES,
      verifyClient: (info: { origin: string; req: IncomingMessage }) =>
        isSameOrigin(info.origin, info.req.headers.host),
    },
  });

  const stats = () => {
    const now = Date.now();
    const loadStats = load.stats();
    return {
      rps: loadStats.rps,
      results: { ...feed.lastSeconds(now), windowSeconds: RESULTS_WINDOW_S },
      requests: loadStats.requests,
      history: feed.history(now),
      maxRate: config.MAX_RATE,
      redis: deps.redisStatus(),
    };
  };

  app.get('/', async (_request, reply) =>
    reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(page),
  );

  // The page's stylesheets and scripts, by file name only: any other name (`..`, a slash, …) is not found.
  app.get('/assets/:file', { schema: { params: AssetParams } }, async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset) return reply.callNotFound();
    return reply.headers(ASSET_HEADERS).type(asset.contentType).send(asset.body);
  });

  // Readiness: subscribed to Redis and not draining.
  app.get('/_healthz', drain.readiness);

  app.get('/api/stats', async () => stats());

  // The routing panel's view: the VirtualService's weights, override and decisions (docs/services.md).
  app.get('/api/routing', async () => routing.view());

  app.post('/api/rate', { schema: { body: RateRequest } }, async (request) => {
    const { rps } = request.body;
    if (!(rps >= 0 && rps <= config.MAX_RATE)) {
      throw new SpillwayError(
        ErrorCode.RateOutOfRange,
        `rps must be a number from 0 to ${String(config.MAX_RATE)} (MAX_RATE); got ${String(rps)}`,
      );
    }
    load.setRate(rps);
    return { rps: { asked: load.rps } };
  });

  app.get('/ws', { websocket: true }, (socket) => {
    pages.add(socket);
    socket.send(JSON.stringify({ type: 'hello', results: feed.recent(), stats: stats() }));
    socket.send(JSON.stringify({ type: 'routing', routing: routing.view() }));
    socket.on('close', () => pages.delete(socket));
    socket.on('error', () => pages.delete(socket));
    // The page only listens; anything it sends is ignored.
  });

  // Fan-out: one message per interval to every page, however many results arrived meanwhile.
  const batcher = setInterval(() => {
    const results = feed.takeBatch();
    if (pages.size === 0) return;
    const message = JSON.stringify({ type: 'batch', results, stats: stats() });
    for (const socket of pages) {
      if (socket.readyState === socket.OPEN && socket.bufferedAmount < MAX_BUFFERED_BYTES)
        socket.send(message);
    }
  }, BATCH_INTERVAL_MS);
  batcher.unref();

  // The routing view goes to every page whenever what it shows changes.
  const unsubscribe = routing.subscribe((view) => {
    const message = JSON.stringify({ type: 'routing', routing: view });
    for (const socket of pages) if (socket.readyState === socket.OPEN) socket.send(message);
  });
  routing.start();

  app.addHook('onClose', async () => {
    clearInterval(batcher);
    unsubscribe();
    await routing.close();
  });

  return { app, markDraining: drain.markDraining };
}
