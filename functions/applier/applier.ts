import { randomUUID } from 'node:crypto';
import { DecisionKind, formatTarget, type DecisionMessage } from '../../core/decision/message.js';
import { parseOperatorMessage } from '../../core/decision/shorthand.js';
import type { Logger } from '../../core/logger.js';
import { formatWeights } from '../../core/weights.js';
import { applyToCluster, clusterOutcome, type ClusterResult } from './apply-to-cluster.js';
import type { ApplierConfig } from './config.js';
import { readEnvelope } from './envelope.js';
import type { VirtualServiceApi } from './virtual-service-client.js';

/**
 * What became of one Pub/Sub message:
 *   invalid  — not a valid decision or shorthand, or an unknown target: logged with its reason, acknowledged;
 *   done     — every cluster applied it, skipped it by the rules, or refused it for good (logged);
 *   retry    — at least one cluster failed in a way that may pass (unreachable, 5xx, conflicts went on):
 *              the function throws so that Pub/Sub delivers the message again; clusters that already
 *              applied it then see its id and skip it.
 */
export type ApplyResult =
  | { status: 'invalid'; reason: string }
  | { status: 'done' | 'retry'; message: DecisionMessage; clusters: ClusterResult[] };

export type Applier = { handle(event: unknown): Promise<ApplyResult> };

export type ApplierDeps = {
  config: Pick<ApplierConfig, 'virtualServices' | 'route' | 'conflictRetries'>;
  clusters: readonly VirtualServiceApi[];
  logger: Logger;
  now?: () => Date;
  /** Milliseconds for latency figures. */
  clock?: () => number;
};

export function createApplier(deps: ApplierDeps): Applier {
  const now = deps.now ?? (() => new Date());
  const clock = deps.clock ?? (() => performance.now());
  const { logger, config } = deps;
  const [defaultTarget] = config.virtualServices;
  const allowed = new Set(config.virtualServices.map(formatTarget));

  return {
    async handle(event) {
      const started = clock();
      const envelope = readEnvelope(event);
      if (!envelope.ok) return invalid(envelope.reason);
      const { data, attributes, messageId, publishTime } = envelope.envelope;
      const parsed = parseOperatorMessage(data, attributes, {
        // An operator's shorthand is issued when Pub/Sub accepted it, and named after the Pub/Sub message,
        // so a redelivery is the same decision (same id, same until) and is recognised as a duplicate.
        // The publish time is part of the name: an emulator that restarts numbers its messages from 1 again.
        now: publishTime ?? now(),
        defaultTarget,
        newId: () => operatorId(messageId, publishTime),
      });
      if (!parsed.ok) return invalid(parsed.reason, messageId);
      const message = parsed.message;
      const target = formatTarget(message.target);
      if (!allowed.has(target))
        return invalid(
          `unknown target ${JSON.stringify(target)}: this applier manages ${[...allowed].join(', ')}`,
          messageId,
          message,
        );

      const clusters = await Promise.all(
        deps.clusters.map((api) =>
          applyToCluster(api, message, {
            ...(config.route === undefined ? {} : { route: config.route }),
            conflictRetries: config.conflictRetries,
            now,
            onStateProblem: (cluster, problem) => logger.warn({ cluster, target }, `${cluster}: ${problem}`),
          }),
        ),
      );
      const retry = clusters.some((c) => c.status === 'failed');
      log(message, clusters, clock() - started, messageId);
      return { status: retry ? 'retry' : 'done', message, clusters };
    },
  };

  function invalid(reason: string, messageId?: string, message?: DecisionMessage): ApplyResult {
    logger.warn(
      {
        outcome: 'invalid',
        ...(messageId === undefined ? {} : { messageId }),
        ...(message === undefined ? {} : { id: message.id, kind: message.kind }),
        reason,
      },
      `message rejected (acknowledged, not retried): ${reason}`,
    );
    return { status: 'invalid', reason };
  }

  function log(
    message: DecisionMessage,
    clusters: readonly ClusterResult[],
    latencyMs: number,
    messageId: string | undefined,
  ): void {
    const written = clusters.find((c) => c.status === 'written');
    const first = written ?? clusters[0];
    const outcome = first === undefined ? 'no-cluster' : clusterOutcome(first);
    const line = {
      id: message.id,
      kind: message.kind,
      target: formatTarget(message.target),
      ...(messageId === undefined ? {} : { messageId }),
      outcome,
      ...(written?.status === 'written' ? { before: written.before ?? null, after: written.after } : {}),
      reason: message.reason,
      ...(message.until === undefined ? {} : { until: message.until }),
      latencyMs: Math.round(latencyMs * 10) / 10,
      clusters: clusters.map(summary),
    };
    const text = describe(message, clusters, written);
    if (clusters.some((c) => c.status === 'failed')) logger.warn(line, `${text}; will be retried`);
    else if (clusters.some((c) => c.status === 'rejected')) logger.error(line, text);
    else logger.info(line, text);
  }
}

/** `operator-<publish time in ms>-<message id>`; without a message id (never from Pub/Sub) a random one. */
function operatorId(messageId: string | undefined, publishTime: Date | undefined): string {
  if (messageId === undefined) return `operator-${randomUUID()}`;
  return `operator-${publishTime === undefined ? 'unknown' : publishTime.getTime()}-${messageId}`.slice(
    0,
    128,
  );
}

function summary(c: ClusterResult): Record<string, unknown> {
  const { cluster, status, attempts } = c;
  if (c.status === 'written')
    return {
      cluster,
      status,
      outcome: c.outcome,
      attempts,
      ...(c.resourceVersion === undefined ? {} : { resourceVersion: c.resourceVersion }),
    };
  return {
    cluster,
    status,
    ...(c.status === 'skipped' ? { outcome: c.outcome } : {}),
    attempts,
    reason: c.reason,
  };
}

function describe(
  message: DecisionMessage,
  clusters: readonly ClusterResult[],
  written: ClusterResult | undefined,
): string {
  const head = `${message.kind} ${message.id}`;
  const parts: string[] = [];
  if (written?.status === 'written') {
    const change =
      message.kind === DecisionKind.Release
        ? 'override released'
        : `${written.before === undefined ? '(unset)' : formatWeights(written.before)} → ${formatWeights(written.after)}`;
    parts.push(`${change}: ${written.reason}`);
  }
  for (const c of clusters) if (c.status !== 'written') parts.push(`${clusterOutcome(c)}: ${c.reason}`);
  return `${head} ${[...new Set(parts)].join('; ')}`;
}
