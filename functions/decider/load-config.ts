import { readFileSync } from 'node:fs';
import Type, { type TObject } from 'typebox';
import Value from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import type { Environment } from '../../core/config/load.js';
import { ConfigError, type ConfigProblem } from '../../core/errors.js';
import { describeValue, isRecord, type JsonRecord } from '../../core/json.js';
import {
  DEFAULT_FAILURE_POLICY,
  DEFAULT_THRESHOLD_POLICY,
  parseFailurePolicy,
  parsePolicyConfig,
  type FailurePolicy,
  type PolicyConfig,
} from '../../core/policy/config.js';
import {
  CODELAB_QUERY,
  CODELAB_TARGET,
  DEFAULT_PROMETHEUS_URL,
  DEFAULT_TARGET_ENV,
  DeciderConfigSchema,
  ENV_FIELDS,
  POLICY_FILE_ENV,
  TargetConfigSchema,
  type DeciderConfig,
  type DeciderSettings,
  type ResolvedTarget,
} from './config.js';
import { resolveSource, seconds } from './resolve-source.js';
import { schemaProblems, type FieldProblem } from './schema-problems.js';

export type ReadFile = (path: string) => string;

/** The object schema without the named properties (checked separately, for precise messages). */
function without(schema: TObject, names: readonly string[]): TObject {
  const properties = Object.fromEntries(
    Object.entries(schema.properties).filter(([name]) => !names.includes(name)),
  );
  return Type.Object(properties, { additionalProperties: false });
}

/** The top-level fields; the targets are checked one by one. */
const TopLevelSchema = without(DeciderConfigSchema, ['targets']);
/** A target's own fields; its source, policy and failures are checked by their own parsers. */
const TargetOwnSchema = without(TargetConfigSchema, ['source', 'policy', 'failures']);

/** A variable's value, trimmed; undefined when it is unset or blank. */
function envValue(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Reads the decider's configuration: the policy file named by SPILLWAY_POLICY_FILE (YAML or JSON, optional),
 * then the environment variables of ENV_FIELDS on top. Without targets in the file, the codelab's target:
 * default/worker-virtual-service, threshold 15/10, the codelab's query at PROMETHEUS_URL. Throws a
 * ConfigError naming every bad variable or file field (`policy.yaml: targets[0].policy.low …`).
 */
export function loadDeciderConfig(
  env: Environment,
  readFile: ReadFile = (path) => readFileSync(path, 'utf8'),
): DeciderConfig {
  const problems: ConfigProblem[] = [];
  const file = readPolicyFile(env, readFile);
  const where = (path: string): string => `${POLICY_FILE_ENV} (${file?.path ?? ''}) ${path}`;
  const settings: JsonRecord = { ...(file?.content ?? {}) };
  const fromEnv = new Map<string, string>();
  for (const [variable, field] of Object.entries(ENV_FIELDS)) {
    const value = envValue(env, variable);
    if (value === undefined) continue;
    settings[field] = value;
    fromEnv.set(field, variable);
  }
  const report = (list: readonly FieldProblem[]): void => {
    for (const { path, problem } of list) {
      const variable = fromEnv.get(path);
      problems.push(variable !== undefined ? { variable, problem } : { variable: where(path), problem });
    }
  };

  // Top-level fields (the targets are checked one by one below, for precise messages).
  const { targets: rawTargets, ...topLevel } = settings;
  const top = Value.Default(TopLevelSchema, topLevel) as Omit<DeciderSettings, 'targets'>;
  report(schemaProblems(TopLevelSchema, top));

  let targets: ResolvedTarget[] = [];
  if (rawTargets === undefined) {
    const target = defaultTarget(env, problems);
    if (target !== undefined) targets = [target];
  } else if (!Array.isArray(rawTargets) || rawTargets.length === 0) {
    report([{ path: 'targets', problem: `must be a non-empty list (got ${describeValue(rawTargets)})` }]);
  } else {
    const list = rawTargets.map((raw: unknown, i) => resolveTarget(raw, `targets[${i}]`, env, report));
    targets = list.filter((t): t is ResolvedTarget => t !== undefined);
    const seen = new Set<string>();
    rawTargets.forEach((raw: unknown, i) => {
      if (!isRecord(raw) || typeof raw['namespace'] !== 'string' || typeof raw['virtualService'] !== 'string')
        return;
      const key = `${raw['namespace']}/${raw['virtualService']}`;
      if (seen.has(key)) report([{ path: `targets[${i}]`, problem: `repeats the target ${key}` }]);
      seen.add(key);
    });
  }
  if (problems.length > 0) throw new ConfigError('decider', problems);

  const config: DeciderConfig = {
    topic: top.topic,
    ...(top.project === undefined ? {} : { project: top.project }),
    ...(top.pubsubEmulatorHost === undefined ? {} : { pubsubEmulatorHost: top.pubsubEmulatorHost }),
    pollEverySeconds: seconds(top.pollEvery),
    runForSeconds: seconds(top.runFor),
    functionTimeoutSeconds: seconds(top.functionTimeout),
    safetyMarginSeconds: seconds(top.safetyMargin),
    resyncEverySeconds: seconds(top.resyncEvery),
    publishTimeoutSeconds: seconds(top.publishTimeout),
    logLevel: top.logLevel,
    targets,
    ...(file === undefined ? {} : { policyFile: file.path }),
  };
  checkTiming(config, (field, problem) => report([{ path: field, problem }]));
  if (problems.length > 0) throw new ConfigError('decider', problems);
  return config;
}

function readPolicyFile(
  env: Environment,
  readFile: ReadFile,
): { path: string; content: JsonRecord } | undefined {
  const path = envValue(env, POLICY_FILE_ENV);
  if (path === undefined) return undefined;
  const fail = (problem: string): never => {
    throw new ConfigError('decider', [{ variable: POLICY_FILE_ENV, problem }]);
  };
  let text = '';
  try {
    text = readFile(path);
  } catch (err) {
    fail(
      `names a file that cannot be read: ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let content: unknown;
  try {
    content = parseYaml(text);
  } catch (err) {
    fail(
      `names a file that is not valid YAML or JSON: ${path}: ${(err as Error).message.split('\n')[0] ?? ''}`,
    );
  }
  if (content === null || content === undefined) return { path, content: {} }; // an empty file: defaults
  if (!isRecord(content))
    fail(`names a file that must hold a mapping of settings: ${path} (got ${describeValue(content)})`);
  return { path, content: content as JsonRecord };
}

/** The out-of-the-box target: the codelab's VirtualService, query and thresholds, on PROMETHEUS_URL. */
function defaultTarget(env: Environment, problems: ConfigProblem[]): ResolvedTarget | undefined {
  const value = (name: string): string | undefined => envValue(env, name);
  const type = value(DEFAULT_TARGET_ENV.source) ?? 'prometheus';
  if (type !== 'prometheus' && type !== 'managed-prometheus') {
    problems.push({
      variable: DEFAULT_TARGET_ENV.source,
      problem: `must be prometheus or managed-prometheus (got ${JSON.stringify(type)})`,
    });
    return undefined;
  }
  const raw: JsonRecord =
    type === 'prometheus'
      ? {
          type,
          url: value(DEFAULT_TARGET_ENV.url) ?? DEFAULT_PROMETHEUS_URL,
          query: value(DEFAULT_TARGET_ENV.query) ?? CODELAB_QUERY,
          timeout: value(DEFAULT_TARGET_ENV.timeout) ?? '5s',
        }
      : {
          type,
          query: value(DEFAULT_TARGET_ENV.query) ?? CODELAB_QUERY,
          timeout: value(DEFAULT_TARGET_ENV.timeout) ?? '10s',
        };
  // Managed Prometheus answers to the function's own Google credentials; a Prometheus may want a secret.
  if (type === 'prometheus' && value(DEFAULT_TARGET_ENV.bearerToken) !== undefined)
    raw['auth'] = { type: 'bearer', tokenEnv: DEFAULT_TARGET_ENV.bearerToken };
  else if (type === 'prometheus' && value(DEFAULT_TARGET_ENV.username) !== undefined)
    raw['auth'] = {
      type: 'basic',
      username: value(DEFAULT_TARGET_ENV.username),
      passwordEnv: DEFAULT_TARGET_ENV.password,
    };
  const fieldEnv: Record<string, string> = {
    url: DEFAULT_TARGET_ENV.url,
    query: DEFAULT_TARGET_ENV.query,
    timeout: DEFAULT_TARGET_ENV.timeout,
  };
  const before = problems.length;
  const source = resolveSource(raw, '', env, (list) => {
    for (const { path, problem } of list)
      problems.push(
        path === 'auth.passwordEnv'
          ? {
              variable: DEFAULT_TARGET_ENV.password,
              problem: `must be set when ${DEFAULT_TARGET_ENV.username} is`,
            }
          : { variable: fieldEnv[path] ?? path, problem },
      );
  });
  if (source === undefined || problems.length > before) return undefined;
  return { ...CODELAB_TARGET, source, policy: DEFAULT_THRESHOLD_POLICY, failures: DEFAULT_FAILURE_POLICY };
}

function resolveTarget(
  raw: unknown,
  path: string,
  env: Environment,
  report: (list: readonly FieldProblem[]) => void,
): ResolvedTarget | undefined {
  if (!isRecord(raw)) {
    report([
      {
        path,
        problem: `must be a mapping with namespace, virtualService, source, policy (got ${describeValue(raw)})`,
      },
    ]);
    return undefined;
  }
  const { source: rawSource, policy: rawPolicy, failures: rawFailures, ...rest } = raw;
  const ownProblems = schemaProblems(TargetOwnSchema, rest, path);
  report(ownProblems);
  if (rawSource === undefined) report([{ path: `${path}.source`, problem: 'is required' }]);
  const source =
    rawSource === undefined ? undefined : resolveSource(rawSource, `${path}.source`, env, report);

  let policy: PolicyConfig = DEFAULT_THRESHOLD_POLICY;
  if (rawPolicy !== undefined) {
    const parsed = parsePolicyConfig(rawPolicy, `${path}.policy`);
    if (parsed.ok) policy = parsed.config;
    else report(parsed.problems.map(asFieldProblem));
  }
  let failures: FailurePolicy = DEFAULT_FAILURE_POLICY;
  const parsedFailures = parseFailurePolicy(rawFailures, `${path}.failures`);
  if (parsedFailures.ok) failures = parsedFailures.config;
  else report(parsedFailures.problems.map(asFieldProblem));

  if (source === undefined || ownProblems.length > 0) return undefined;
  return {
    namespace: String(rest['namespace']),
    virtualService: String(rest['virtualService']),
    source,
    policy,
    failures,
  };
}

/** core's `targets[0].policy.low must be …` → the field and the rest of the sentence. */
function asFieldProblem(text: string): FieldProblem {
  const space = text.indexOf(' ');
  return { path: text.slice(0, space), problem: text.slice(space + 1) };
}

/** The longest one tick can take: the slowest source's timeout, then a publish. */
export function longestTickSeconds(config: Pick<DeciderConfig, 'targets' | 'publishTimeoutSeconds'>): number {
  return Math.max(0, ...config.targets.map((t) => t.source.timeoutSeconds)) + config.publishTimeoutSeconds;
}

/** The loop's bounds must let at least one whole tick end `safetyMargin` before `functionTimeout`. */
function checkTiming(config: DeciderConfig, report: (field: string, problem: string) => void): void {
  if (config.pollEverySeconds < 1)
    report('pollEvery', `must be at least 1s (got ${config.pollEverySeconds}s)`);
  if (config.publishTimeoutSeconds < 1)
    report('publishTimeout', `must be at least 1s (got ${config.publishTimeoutSeconds}s)`);
  const budget = config.functionTimeoutSeconds - config.safetyMarginSeconds;
  const tick = longestTickSeconds(config);
  if (budget < tick)
    report(
      'functionTimeout',
      `must leave room for one tick: functionTimeout ${config.functionTimeoutSeconds}s − safetyMargin ` +
        `${config.safetyMarginSeconds}s is less than the longest tick ${tick}s (source timeout + publishTimeout)`,
    );
  else if (config.runForSeconds > budget)
    report(
      'runFor',
      `must end before functionTimeout ${config.functionTimeoutSeconds}s − safetyMargin ` +
        `${config.safetyMarginSeconds}s (got ${config.runForSeconds}s)`,
    );
}
