import { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';

export interface RedisClientOptions {
  url: string;
  /**
   * A command not answered within this time fails (so a request fails within a bounded time). Unset for a
   * subscriber, whose SUBSCRIBE simply waits for the connection.
   */
  commandTimeoutMs?: number;
  /**
   * Commands issued while disconnected wait for the connection (subscribers) instead of failing at once
   * (publishers answer 503 right away).
   */
  queueWhileDisconnected: boolean;
  /** For log lines. */
  role: string;
}

/** Reconnect back-off: 50 ms, 100 ms, … capped at 1 s, forever; a service recovers by itself. */
function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 50, 1000);
}

/**
 * An ioredis client that reconnects forever and logs each change of connection state once (not every
 * failed attempt). Its errors never reach the process as unhandled events.
 */
export function createRedisClient(options: RedisClientOptions, logger: Logger): Redis {
  const redis = new Redis(options.url, {
    enableOfflineQueue: options.queueWhileDisconnected,
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeout: options.commandTimeoutMs }),
    connectTimeout: Math.max(options.commandTimeoutMs ?? 0, 2000),
    maxRetriesPerRequest: options.queueWhileDisconnected ? null : 0,
    retryStrategy: reconnectDelay,
    enableAutoPipelining: true,
    lazyConnect: false,
  });
  const log = logger.child({ redis: options.role });
  let connected = false;
  let lastError = '';
  redis.on('ready', () => {
    connected = true;
    lastError = '';
    log.info('redis connected');
  });
  redis.on('error', (err: Error) => {
    if (err.message === lastError) return;
    lastError = err.message;
    log.warn({ reason: err.message }, 'redis error');
  });
  redis.on('close', () => {
    if (!connected) return;
    connected = false;
    log.warn('redis connection lost; reconnecting');
  });
  return redis;
}

/** The worker's publisher: a publish fails at once while disconnected, and after `commandTimeoutMs`. */
export function createPublisher(url: string, commandTimeoutMs: number, logger: Logger): Redis {
  return createRedisClient(
    { url, commandTimeoutMs, queueWhileDisconnected: false, role: 'publisher' },
    logger,
  );
}

/** The frontend's subscriber: SUBSCRIBE waits for the connection. */
export function createSubscriber(url: string, logger: Logger): Redis {
  return createRedisClient({ url, queueWhileDisconnected: true, role: 'subscriber' }, logger);
}

/** At shutdown: QUIT once the replies in flight are in; a client that cannot send it is disconnected. */
export async function closeRedis(redis: Redis): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}
