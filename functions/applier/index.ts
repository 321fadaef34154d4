/**
 * The applier's Cloud Run function: entry point `apply` (CloudEvent, triggered by the decision topic through
 * Eventarc, or by a push subscription locally).
 *
 * The configuration is read once per instance: at start-up when this instance serves the applier
 * (FUNCTION_TARGET=apply) — a bad value stops the process with a message naming it — otherwise on the first
 * message (which then fails and is redelivered until the configuration is fixed).
 *
 * A message that can never apply (not a decision, an unknown target, a VirtualService without the managed
 * route) is logged with its reason and acknowledged: the function returns normally. A failure that may
 * pass (a cluster unreachable, 5xx, conflicts that went on) throws, so Pub/Sub delivers it again.
 */
import { cloudEvent } from '@google-cloud/functions-framework';
import { createLogger } from '../../core/logger.js';
import { bootLogger, loadAtStartWhenServed } from '../boot.js';
import { createApplier, type Applier } from './applier.js';
import { applierHandler } from './handler.js';
import { clusterApis } from './cluster-apis.js';
import { loadApplierConfig } from './config.js';
import { formatTarget } from '../../core/decision/message.js';

export const ENTRY_POINT = 'apply';

const boot = bootLogger('applier');

let applier: Applier | undefined;

function getApplier(): Applier {
  if (applier !== undefined) return applier;
  const config = loadApplierConfig(process.env);
  const logger = createLogger({ service: 'applier', level: config.logLevel });
  const clusters = clusterApis(config);
  applier = createApplier({ config, clusters, logger });
  logger.info(
    {
      clusters: clusters.map((c) => c.cluster),
      virtualServices: config.virtualServices.map(formatTarget),
      route: config.route ?? '(the one http route with subsets primary and burst)',
      conflictRetries: config.conflictRetries,
      apiTimeoutMs: config.apiTimeoutMs,
    },
    'applier ready',
  );
  return applier;
}

loadAtStartWhenServed(ENTRY_POINT, getApplier, boot);

cloudEvent(ENTRY_POINT, applierHandler(getApplier));
