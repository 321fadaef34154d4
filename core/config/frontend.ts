import Type, { type Static } from 'typebox';
import {
  HostSchema,
  HttpUrlSchema,
  LogLevelSchema,
  RedisUrlSchema,
  millisecondsSchema,
  portSchema,
} from './common.js';

/** The frontend's configuration, read from its environment. The only source of the frontend's config type. */
export const FrontendConfigSchema = Type.Object({
  PORT: portSchema(8080),
  HOST: HostSchema,
  /** Where the load generator POSTs: the worker Service (through the mesh). */
  PROCESSOR_URL: HttpUrlSchema('http://127.0.0.1:8081/'),
  REDIS_URL: RedisUrlSchema,
  /** The highest rate the page or the API may ask for, in requests per second. */
  MAX_RATE: Type.Integer({ minimum: 1, maximum: 100_000, default: 5000 }),
  /** Requests in flight at most; a request due while at the bound is dropped and counted. */
  MAX_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 100_000, default: 1024 }),
  /** Keep-alive connections to the processor at most. */
  MAX_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 10_000, default: 64 }),
  /** A request to the processor that takes longer fails with a timeout. */
  REQUEST_TIMEOUT_MS: millisecondsSchema(5000, 60_000),
  LOG_LEVEL: LogLevelSchema,
  SHUTDOWN_GRACE_MS: millisecondsSchema(10_000),
});

export type FrontendConfig = Static<typeof FrontendConfigSchema>;
