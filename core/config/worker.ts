import Type, { type Static } from 'typebox';
import { HostSchema, LogLevelSchema, RedisUrlSchema, millisecondsSchema, portSchema } from './common.js';

/** The worker's configuration, read from its environment. The only source of the worker's config type. */
export const WorkerConfigSchema = Type.Object({
  PORT: portSchema(8081),
  HOST: HostSchema,
  REDIS_URL: RedisUrlSchema,
  /** Put before every hash; the burst cluster's workers use `bursty-`. */
  PREFIX: Type.String({ maxLength: 64, default: '', description: 'at most 64 characters' }),
  /** The cluster this worker runs in, on every log line and metric. */
  CLUSTER_NAME: Type.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$',
    default: 'primary',
    description: 'a name of letters, digits, ".", "_" or "-"',
  }),
  LOG_LEVEL: LogLevelSchema,
  /** How long a publish may wait for Redis before the request answers 503. */
  REDIS_TIMEOUT_MS: millisecondsSchema(1000, 60_000),
  /** How long SIGTERM waits for requests in flight before closing anyway. */
  SHUTDOWN_GRACE_MS: millisecondsSchema(10_000),
});

export type WorkerConfig = Static<typeof WorkerConfigSchema>;
