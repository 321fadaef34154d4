import Type, { type Static } from 'typebox';
import { LogLevelSchema } from '../../core/config/common.js';
import { loadConfig, type Environment } from '../../core/config/load.js';
import { DURATION_HINT, parseDuration } from '../../core/decision/duration.js';
import { parseTarget, type Target } from '../../core/decision/message.js';
import { ConfigError, type ConfigProblem } from '../../core/errors.js';
import type { LogLevel } from '../../core/logger.js';
import { parseGkeClusters, type GkeCluster } from './gke/cluster-name.js';

/**
 * The applier's configuration: environment variables only (docs/applier.md). It patches either the GKE
 * clusters of SPILLWAY_TARGET_CLUSTERS (on Google Cloud) or the contexts of the kubeconfig file
 * SPILLWAY_KUBECONFIG (the local stack, tests) — exactly one of the two. A shell's KUBECONFIG is never read:
 * the applier must not write to whatever cluster a terminal happens to point at.
 */
const DEFAULT_VIRTUAL_SERVICES = 'default/worker-virtual-service';
const DEFAULT_API_TIMEOUT = '10s';

export const ApplierEnvSchema = Type.Object({
  SPILLWAY_TARGET_CLUSTERS: Type.Optional(
    Type.String({ description: 'comma-separated projects/P/locations/L/clusters/N' }),
  ),
  SPILLWAY_KUBECONFIG: Type.Optional(
    Type.String({ minLength: 1, description: 'the path of a kubeconfig file' }),
  ),
  SPILLWAY_KUBE_CONTEXTS: Type.Optional(
    Type.String({
      pattern: '^[^,\\s]+(,[^,\\s]+)*$',
      description: 'comma-separated kubeconfig context names',
    }),
  ),
  SPILLWAY_VIRTUAL_SERVICES: Type.String({
    default: DEFAULT_VIRTUAL_SERVICES,
    description: 'comma-separated namespace/name of the VirtualServices the applier may change',
  }),
  SPILLWAY_ROUTE: Type.Optional(
    Type.String({ pattern: '^[^\\s]{1,253}$', description: 'an http route name' }),
  ),
  SPILLWAY_CONFLICT_RETRIES: Type.Integer({ minimum: 0, maximum: 20, default: 5 }),
  SPILLWAY_API_TIMEOUT: Type.String({ default: DEFAULT_API_TIMEOUT, description: DURATION_HINT }),
  LOG_LEVEL: LogLevelSchema,
});
type ApplierEnv = Static<typeof ApplierEnvSchema>;

export type ClusterTargets =
  | { type: 'gke'; clusters: readonly GkeCluster[] }
  | { type: 'kubeconfig'; path: string; contexts?: string[] };

export type ApplierConfig = {
  clusters: ClusterTargets;
  /** The VirtualServices messages may name; the first is the target of a shorthand without `target`. */
  virtualServices: readonly [Target, ...Target[]];
  route?: string;
  conflictRetries: number;
  apiTimeoutMs: number;
  logLevel: LogLevel;
};

function problem(variable: string, text: string): ConfigProblem {
  return { variable, problem: text };
}

function parseTargets(text: string): { ok: true; targets: Target[] } | { ok: false; reason: string } {
  const targets: Target[] = [];
  for (const entry of text.split(',').map((e) => e.trim())) {
    if (entry === '') return { ok: false, reason: `has an empty entry (got ${JSON.stringify(text)})` };
    const parsed = parseTarget(entry);
    if (!parsed.ok) return { ok: false, reason: parsed.reason };
    targets.push(parsed.target);
  }
  return { ok: true, targets };
}

/** Reads and checks the applier's environment; throws a ConfigError naming every bad variable. */
export function loadApplierConfig(env: Environment): ApplierConfig {
  const given = blankAsUnset(env);
  const problems: ConfigProblem[] = [];
  let typed: ApplierEnv | undefined;
  try {
    typed = loadConfig('applier', ApplierEnvSchema, given);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  // The checks below run on the text as given (these variables are plain strings to the schema), so one
  // message names every bad variable; SPILLWAY_KUBE_CONTEXTS is used only when its pattern held.
  const contextsOk = !problems.some((p) => p.variable === 'SPILLWAY_KUBE_CONTEXTS');
  let clusters: ClusterTargets | undefined;
  const gke = given['SPILLWAY_TARGET_CLUSTERS'];
  const kubeconfig = given['SPILLWAY_KUBECONFIG'];
  const contexts = contextsOk ? given['SPILLWAY_KUBE_CONTEXTS'] : undefined;
  if (gke !== undefined && kubeconfig !== undefined) {
    problems.push(
      problem(
        'SPILLWAY_TARGET_CLUSTERS',
        'and SPILLWAY_KUBECONFIG are both set; set one (GKE clusters or a kubeconfig file)',
      ),
    );
  } else if (gke !== undefined) {
    const parsed = parseGkeClusters(gke);
    if (parsed.ok) clusters = { type: 'gke', clusters: parsed.clusters };
    else problems.push(problem('SPILLWAY_TARGET_CLUSTERS', `${parsed.reason} (got ${JSON.stringify(gke)})`));
    if (contexts !== undefined)
      problems.push(problem('SPILLWAY_KUBE_CONTEXTS', 'applies to SPILLWAY_KUBECONFIG only'));
  } else if (kubeconfig !== undefined) {
    clusters = {
      type: 'kubeconfig',
      path: kubeconfig,
      ...(contexts === undefined ? {} : { contexts: contexts.split(',') }),
    };
  } else {
    problems.push(
      problem(
        'SPILLWAY_TARGET_CLUSTERS',
        'is required (or SPILLWAY_KUBECONFIG): the GKE clusters whose VirtualService the applier patches',
      ),
    );
  }

  const targets = parseTargets(given['SPILLWAY_VIRTUAL_SERVICES'] ?? DEFAULT_VIRTUAL_SERVICES);
  if (!targets.ok) problems.push(problem('SPILLWAY_VIRTUAL_SERVICES', targets.reason));

  const timeoutText = given['SPILLWAY_API_TIMEOUT'] ?? DEFAULT_API_TIMEOUT;
  const timeout = parseDuration(timeoutText);
  if (!timeout.ok || timeout.seconds < 1 || timeout.seconds > 300)
    problems.push(
      problem(
        'SPILLWAY_API_TIMEOUT',
        `must be a duration from 1s to 5m, like 10s (got ${JSON.stringify(timeoutText)})`,
      ),
    );

  const [first, ...rest] = targets.ok ? targets.targets : [];
  if (
    problems.length > 0 ||
    typed === undefined ||
    clusters === undefined ||
    first === undefined ||
    !timeout.ok
  )
    throw new ConfigError('applier', problems);
  return {
    clusters,
    virtualServices: [first, ...rest],
    ...(typed.SPILLWAY_ROUTE === undefined ? {} : { route: typed.SPILLWAY_ROUTE }),
    conflictRetries: typed.SPILLWAY_CONFLICT_RETRIES,
    apiTimeoutMs: timeout.seconds * 1000,
    logLevel: typed.LOG_LEVEL,
  };
}

/** An empty variable means "not set" (deploy tools often write VAR="" for an unset substitution). */
function blankAsUnset(env: Environment): Environment {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
}
