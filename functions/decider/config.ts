import Type, { type Static } from 'typebox';
import { LogLevelSchema } from '../../core/config/common.js';
import { DURATION_HINT, DURATION_PATTERN } from '../../core/decision/duration.js';
import { NAMESPACE_PATTERN, OBJECT_NAME_PATTERN } from '../../core/decision/message.js';
import {
  FailurePolicySchema,
  PolicyConfigSchema,
  type FailurePolicy,
  type PolicyConfig,
} from '../../core/policy/config.js';
import type { LogLevel } from '../../core/logger.js';

/**
 * The decider's configuration: ONE schema for the policy file (YAML or JSON, named by SPILLWAY_POLICY_FILE)
 * and the environment variables that set its top-level fields (ENV_FIELDS). `load-config.ts` reads both,
 * checks them and resolves durations; docs/decider.md documents every field.
 */

/** `5s`, `1m30s`…: the operators' duration form (core/decision/duration.ts), whole seconds. */
const durationSchema = (defaultValue: string) =>
  Type.String({ pattern: DURATION_PATTERN, default: defaultValue, description: DURATION_HINT });

/** The codelab's PromQL with another rate window: requests from the frontend to the worker service. */
export function codelabQuery(windowSeconds: number): string {
  return `sum(rate(istio_requests_total{reporter="destination",destination_service="worker-service.default.svc.cluster.local",source_workload="frontend-deployment"}[${String(windowSeconds)}s]))`;
}

/** The codelab's PromQL: the rate of requests from the frontend to the worker service over 15 s. */
export const CODELAB_QUERY = codelabQuery(15);
export const DEFAULT_PROMETHEUS_URL = 'http://127.0.0.1:9090';
export const DEFAULT_TOPIC = 'spillway-decisions';
export const CODELAB_TARGET = { namespace: 'default', virtualService: 'worker-virtual-service' } as const;

const EnvNameSchema = Type.String({
  pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
  description: 'the name of an environment variable',
});

export const PrometheusAuthSchema = Type.Union([
  Type.Object({ type: Type.Literal('bearer'), tokenEnv: EnvNameSchema }, { additionalProperties: false }),
  Type.Object(
    { type: Type.Literal('basic'), username: Type.String({ minLength: 1 }), passwordEnv: EnvNameSchema },
    { additionalProperties: false },
  ),
]);

const QuerySchema = Type.String({ minLength: 1, maxLength: 4096 });
const ProjectSchema = Type.String({
  pattern: '^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^\\d+$',
  description: 'a Google Cloud project id or number',
});

/** A Prometheus HTTP API (`/api/v1/query`): in-cluster Prometheus, the local stack's. */
export const PrometheusSourceSchema = Type.Object(
  {
    type: Type.Literal('prometheus'),
    /** Defaults to PROMETHEUS_URL. */
    url: Type.Optional(
      Type.String({ pattern: '^https?://[^\\s]+$', description: 'an http:// or https:// URL' }),
    ),
    query: QuerySchema,
    timeout: durationSchema('5s'),
    auth: Type.Optional(PrometheusAuthSchema),
  },
  { additionalProperties: false },
);

/** Google Cloud Managed Service for Prometheus, through its PromQL endpoint. */
export const ManagedPrometheusSourceSchema = Type.Object(
  {
    type: Type.Literal('managed-prometheus'),
    /** Defaults to the top-level `project`. */
    project: Type.Optional(ProjectSchema),
    query: QuerySchema,
    timeout: durationSchema('10s'),
  },
  { additionalProperties: false },
);

/** Cloud Monitoring `listTimeSeries` with ALIGN_RATE and REDUCE_SUM. */
export const CloudMonitoringSourceSchema = Type.Object(
  {
    type: Type.Literal('cloud-monitoring'),
    project: Type.Optional(ProjectSchema),
    metric: Type.Union([Type.Literal('mesh'), Type.Literal('managed-prometheus')], { default: 'mesh' }),
    /** The destination Kubernetes Service's name and namespace. */
    service: Type.String({ pattern: NAMESPACE_PATTERN, maxLength: 63, default: 'worker-service' }),
    namespace: Type.String({ pattern: NAMESPACE_PATTERN, maxLength: 63, default: 'default' }),
    /** Only requests from this workload (the codelab: frontend-deployment); all sources when absent. */
    sourceWorkload: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,253}$' })),
    /** The rate is averaged over this period (ALIGN_RATE). */
    alignment: durationSchema('1m'),
    /** How far back to look for the newest point (Cloud Monitoring lags by a minute or more). */
    window: durationSchema('5m'),
    timeout: durationSchema('10s'),
  },
  { additionalProperties: false },
);

export const SourceSchema = Type.Union([
  PrometheusSourceSchema,
  ManagedPrometheusSourceSchema,
  CloudMonitoringSourceSchema,
]);
export const SOURCE_TYPES = ['prometheus', 'managed-prometheus', 'cloud-monitoring'] as const;

export const TargetConfigSchema = Type.Object(
  {
    namespace: Type.String({ pattern: NAMESPACE_PATTERN, maxLength: 63, description: 'a namespace name' }),
    virtualService: Type.String({
      pattern: OBJECT_NAME_PATTERN,
      maxLength: 253,
      description: 'a Kubernetes object name',
    }),
    source: SourceSchema,
    /** Defaults to the codelab's threshold policy (15/10). */
    policy: Type.Optional(PolicyConfigSchema),
    failures: Type.Optional(FailurePolicySchema),
  },
  { additionalProperties: false },
);

export const DeciderConfigSchema = Type.Object(
  {
    topic: Type.String({
      pattern: '^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$',
      default: DEFAULT_TOPIC,
      description: 'a Pub/Sub topic id',
    }),
    /** Where the topic (and Cloud Monitoring's metrics) live; detected on GCP when absent. */
    project: Type.Optional(ProjectSchema),
    /** `HOST:PORT` of a Pub/Sub emulator; the real Pub/Sub when absent. */
    pubsubEmulatorHost: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9.\\[\\]:-]+:\\d{1,5}$', description: 'HOST:PORT' }),
    ),
    /** The time between two ticks of one call's loop. */
    pollEvery: durationSchema('5s'),
    /** Ticks start during this long after the call began; `0s`: one tick per call. */
    runFor: durationSchema('0s'),
    /** The function's timeout as deployed (`--timeout`); the loop ends before it. */
    functionTimeout: durationSchema('60s'),
    /** The loop's last tick must end this long before `functionTimeout`. */
    safetyMargin: durationSchema('5s'),
    /**
     * An unchanged decision is published again after this long, so a route that moved meanwhile (an override
     * that ended, a manual edit) gets the policy's weights back; `0s`: never.
     */
    resyncEvery: durationSchema('60s'),
    /** A publish that takes longer fails (the call answers 5xx). */
    publishTimeout: durationSchema('10s'),
    logLevel: LogLevelSchema,
    targets: Type.Optional(Type.Array(TargetConfigSchema, { minItems: 1, maxItems: 50 })),
  },
  { additionalProperties: false },
);

/** The configuration as written (durations as text), after defaults. */
export type DeciderSettings = Static<typeof DeciderConfigSchema>;

/** The environment variables that set top-level fields (they win over the file). */
export const ENV_FIELDS = {
  SPILLWAY_TOPIC: 'topic',
  GOOGLE_CLOUD_PROJECT: 'project',
  PUBSUB_EMULATOR_HOST: 'pubsubEmulatorHost',
  SPILLWAY_POLL_EVERY: 'pollEvery',
  SPILLWAY_RUN_FOR: 'runFor',
  SPILLWAY_FUNCTION_TIMEOUT: 'functionTimeout',
  SPILLWAY_SAFETY_MARGIN: 'safetyMargin',
  SPILLWAY_RESYNC_EVERY: 'resyncEvery',
  SPILLWAY_PUBLISH_TIMEOUT: 'publishTimeout',
  LOG_LEVEL: 'logLevel',
} as const satisfies Record<string, keyof DeciderSettings>;

/** Variables that shape the out-of-the-box target (used when the file lists no targets). */
export const DEFAULT_TARGET_ENV = {
  /** `prometheus` (default) or `managed-prometheus` (Google Cloud Managed Service for Prometheus). */
  source: 'SPILLWAY_SOURCE',
  url: 'PROMETHEUS_URL',
  query: 'PROMETHEUS_QUERY',
  timeout: 'PROMETHEUS_TIMEOUT',
  bearerToken: 'PROMETHEUS_BEARER_TOKEN',
  username: 'PROMETHEUS_USERNAME',
  password: 'PROMETHEUS_PASSWORD',
} as const;

export const POLICY_FILE_ENV = 'SPILLWAY_POLICY_FILE';

/** A resolved source: durations in seconds, the URL and the credentials filled in. */
export type ResolvedSource =
  | {
      type: 'prometheus';
      url: string;
      query: string;
      timeoutSeconds: number;
      auth?: { type: 'bearer'; token: string } | { type: 'basic'; username: string; password: string };
    }
  | { type: 'managed-prometheus'; project?: string; query: string; timeoutSeconds: number }
  | {
      type: 'cloud-monitoring';
      project?: string;
      metric: 'mesh' | 'managed-prometheus';
      service: string;
      namespace: string;
      sourceWorkload?: string;
      alignmentSeconds: number;
      windowSeconds: number;
      timeoutSeconds: number;
    };

export type ResolvedTarget = {
  namespace: string;
  virtualService: string;
  source: ResolvedSource;
  policy: PolicyConfig;
  failures: FailurePolicy;
};

/** What the decider runs with. */
export type DeciderConfig = {
  topic: string;
  project?: string;
  pubsubEmulatorHost?: string;
  pollEverySeconds: number;
  runForSeconds: number;
  functionTimeoutSeconds: number;
  safetyMarginSeconds: number;
  /** 0: an unchanged decision is never published again. */
  resyncEverySeconds: number;
  publishTimeoutSeconds: number;
  logLevel: LogLevel;
  targets: ResolvedTarget[];
  /** Where the settings came from, for the start-up log line. */
  policyFile?: string;
};
