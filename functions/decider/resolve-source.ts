import Value from 'typebox/value';
import type { Environment } from '../../core/config/load.js';
import { parseDuration } from '../../core/decision/duration.js';
import { describeValue, isRecord, type JsonRecord } from '../../core/json.js';
import {
  CloudMonitoringSourceSchema,
  DEFAULT_PROMETHEUS_URL,
  DEFAULT_TARGET_ENV,
  ManagedPrometheusSourceSchema,
  PrometheusSourceSchema,
  SOURCE_TYPES,
  type ResolvedSource,
} from './config.js';
import { fieldPath, schemaProblems, type FieldProblem } from './schema-problems.js';

/** Seconds of a duration the schema has checked already. */
export const seconds = (text: string): number => {
  const parsed = parseDuration(text);
  return parsed.ok ? parsed.seconds : NaN;
};

/**
 * Checks a target's `source` (picking the schema by its `type`), fills in the defaults, reads the
 * credentials' variables and resolves durations. Reports problems at `path` (`targets[0].source`).
 */
export function resolveSource(
  raw: unknown,
  path: string,
  env: Environment,
  report: (list: readonly FieldProblem[]) => void,
): ResolvedSource | undefined {
  const at = (field: string): string => fieldPath(path, [field]);
  if (!isRecord(raw)) {
    report([
      { path: path || 'source', problem: `must be a mapping with a type (got ${describeValue(raw)})` },
    ]);
    return undefined;
  }
  const schema =
    raw['type'] === 'prometheus'
      ? PrometheusSourceSchema
      : raw['type'] === 'managed-prometheus'
        ? ManagedPrometheusSourceSchema
        : raw['type'] === 'cloud-monitoring'
          ? CloudMonitoringSourceSchema
          : undefined;
  if (schema === undefined) {
    report([
      {
        path: at('type'),
        problem: `must be one of ${SOURCE_TYPES.join(', ')} (got ${describeValue(raw['type'])})`,
      },
    ]);
    return undefined;
  }
  const value = Value.Default(schema, structuredClone(raw)) as JsonRecord;
  const found = schemaProblems(schema, value, path);
  if (found.length > 0) {
    report(found);
    return undefined;
  }
  const timeoutSeconds = seconds(String(value['timeout']));
  if (timeoutSeconds < 1) {
    report([
      { path: at('timeout'), problem: `must be at least 1s (got ${describeValue(value['timeout'])})` },
    ]);
    return undefined;
  }
  if (value['type'] === 'prometheus') {
    const auth = value['auth'] as
      { type: string; tokenEnv?: string; username?: string; passwordEnv?: string } | undefined;
    const secret = (field: string, name: string): string | undefined => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      report([
        { path: fieldPath(path, ['auth', field]), problem: `names a variable that is not set: ${name}` },
      ]);
      return undefined;
    };
    let resolvedAuth: Extract<ResolvedSource, { type: 'prometheus' }>['auth'];
    if (auth?.type === 'bearer') {
      const token = secret('tokenEnv', String(auth.tokenEnv));
      if (token === undefined) return undefined;
      resolvedAuth = { type: 'bearer', token };
    } else if (auth?.type === 'basic') {
      const password = secret('passwordEnv', String(auth.passwordEnv));
      if (password === undefined) return undefined;
      resolvedAuth = { type: 'basic', username: String(auth.username), password };
    }
    const url =
      typeof value['url'] === 'string'
        ? value['url']
        : env[DEFAULT_TARGET_ENV.url]?.trim() || DEFAULT_PROMETHEUS_URL;
    return {
      type: 'prometheus',
      url,
      query: String(value['query']),
      timeoutSeconds,
      ...(resolvedAuth === undefined ? {} : { auth: resolvedAuth }),
    };
  }
  if (value['type'] === 'managed-prometheus') {
    return {
      type: 'managed-prometheus',
      ...(typeof value['project'] === 'string' ? { project: value['project'] } : {}),
      query: String(value['query']),
      timeoutSeconds,
    };
  }
  const alignmentSeconds = seconds(String(value['alignment']));
  const windowSeconds = seconds(String(value['window']));
  if (alignmentSeconds < 60 || windowSeconds < alignmentSeconds) {
    report([
      {
        path: at(alignmentSeconds < 60 ? 'alignment' : 'window'),
        problem:
          alignmentSeconds < 60
            ? `must be at least 1m, Cloud Monitoring's finest period (got ${describeValue(value['alignment'])})`
            : `must be at least the alignment ${String(value['alignment'])} (got ${describeValue(value['window'])})`,
      },
    ]);
    return undefined;
  }
  return {
    type: 'cloud-monitoring',
    ...(typeof value['project'] === 'string' ? { project: value['project'] } : {}),
    metric: value['metric'] === 'managed-prometheus' ? 'managed-prometheus' : 'mesh',
    service: String(value['service']),
    namespace: String(value['namespace']),
    ...(typeof value['sourceWorkload'] === 'string' ? { sourceWorkload: value['sourceWorkload'] } : {}),
    alignmentSeconds,
    windowSeconds,
    timeoutSeconds,
  };
}
