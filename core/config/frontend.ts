import Type, { type Static } from 'typebox';
import {
  HostSchema,
  HttpUrlSchema,
  LogLevelSchema,
  RedisUrlSchema,
  millisecondsSchema,
  portSchema,
} from './common.js';
import {
  NAMESPACE_PATTERN,
  NAMESPACE_RULE,
  OBJECT_NAME_PATTERN,
  OBJECT_NAME_RULE,
} from '../decision/message.js';

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
  /**
   * The routing panel: the kubeconfig through which the frontend watches the VirtualService. Without it, in
   * a cluster (KUBERNETES_SERVICE_HOST set), the pod's ServiceAccount; otherwise the panel says why it has
   * no routing state. A shell's KUBECONFIG is never read.
   */
  ROUTING_KUBECONFIG: Type.Optional(
    Type.String({ minLength: 1, description: 'the path of a kubeconfig file' }),
  ),
  ROUTING_NAMESPACE: Type.String({
    pattern: NAMESPACE_PATTERN,
    maxLength: 63,
    default: 'default',
    description: NAMESPACE_RULE,
  }),
  ROUTING_VIRTUAL_SERVICE: Type.String({
    pattern: OBJECT_NAME_PATTERN,
    maxLength: 253,
    default: 'worker-virtual-service',
    description: OBJECT_NAME_RULE,
  }),
  /** The managed http route's name, when several send to both subsets (the applier's SPILLWAY_ROUTE). */
  ROUTING_ROUTE: Type.Optional(
    Type.String({ pattern: '^[^\\s]{1,253}$', description: 'an http route name' }),
  ),
});

export type FrontendConfig = Static<typeof FrontendConfigSchema>;
