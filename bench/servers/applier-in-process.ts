/**
 * The applier's own code run in the bench process for `npm run bench:applier`: configured from the
 * environment exactly as the function configures itself (loadApplierConfig, clusterApis, createApplier),
 * on its own copy of the VirtualService, handed each decision as the CloudEvent the Functions Framework
 * makes of a push request. Its log lines go to the null device at the function's level. Next to the bare
 * get + patch (same process, same control plane) it shows what the rules, the annotations and the log
 * line cost; next to the function's logged latency, what its own process adds.
 */
import { devNull } from 'node:os';
import { pino } from 'pino';
import { encodeDecision } from '../../core/decision/codec.js';
import { formatTarget, type DecisionMessage } from '../../core/decision/message.js';
import { loggerOptions } from '../../core/logger.js';
import { createApplier } from '../../functions/applier/applier.js';
import { clusterApis } from '../../functions/applier/cluster-apis.js';
import { loadApplierConfig } from '../../functions/applier/config.js';
import { IN_PROCESS_TARGET } from './applier-stack.js';

export interface InProcessRound {
  /** From handle() called to its result (read, rules, patch, log line). */
  handleMs: number;
  /** Whether the one cluster answered `written` with outcome `applied`. */
  applied: boolean;
}

export interface InProcessApplier {
  apply(message: DecisionMessage): Promise<InProcessRound>;
}

export function inProcessApplier(kubeconfigPath: string): InProcessApplier {
  const config = loadApplierConfig({
    SPILLWAY_KUBECONFIG: kubeconfigPath,
    SPILLWAY_VIRTUAL_SERVICES: formatTarget(IN_PROCESS_TARGET),
    LOG_LEVEL: 'info',
  });
  const logger = pino(
    loggerOptions({ service: 'applier', level: config.logLevel }),
    pino.destination({ dest: devNull, sync: true }),
  );
  const applier = createApplier({ config, clusters: clusterApis(config), logger });
  let delivered = 0;
  return {
    async apply(message) {
      const { data, attributes } = encodeDecision(message);
      const event = {
        type: 'google.cloud.pubsub.topic.v1.messagePublished',
        data: {
          message: {
            data: data.toString('base64'),
            attributes,
            messageId: `in-process-${++delivered}`,
            publishTime: new Date().toISOString(),
          },
        },
      };
      const started = performance.now();
      const result = await applier.handle(event);
      const handleMs = performance.now() - started;
      const cluster = result.status === 'done' ? result.clusters[0] : undefined;
      return { handleMs, applied: cluster?.status === 'written' && cluster.outcome === 'applied' };
    },
  };
}
