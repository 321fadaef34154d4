/**
 * The decider's Cloud Run function: entry point `decide` (HTTP, called by Cloud Scheduler).
 *
 * The configuration (environment + SPILLWAY_POLICY_FILE) is read once per instance. When this instance
 * serves the decider (FUNCTION_TARGET=decide, as Cloud Run functions set it), it is read at start-up and a
 * bad value stops the process with a message naming it; otherwise (e.g. the combined entry
 * functions/index.ts serving another function) on the first call, which answers 500 with that message.
 */
import { http } from '@google-cloud/functions-framework';
import { createLogger } from '../../core/logger.js';
import { bootLogger, loadAtStartWhenServed } from '../boot.js';
import { createDecider, type Decider } from './decider.js';
import { deciderHandler } from './handler.js';
import { loadDeciderConfig } from './load-config.js';

export const ENTRY_POINT = 'decide';

const boot = bootLogger('decider');

let decider: Decider | undefined;

function getDecider(): Decider {
  if (decider !== undefined) return decider;
  const config = loadDeciderConfig(process.env);
  const logger = createLogger({ service: 'decider', level: config.logLevel });
  decider = createDecider({ config, logger });
  logger.info(
    {
      topic: config.topic,
      targets: config.targets.map(
        (t) => `${t.namespace}/${t.virtualService} (${t.source.type}, ${t.policy.kind})`,
      ),
      pollEverySeconds: config.pollEverySeconds,
      runForSeconds: config.runForSeconds,
      resyncEverySeconds: config.resyncEverySeconds,
      functionTimeoutSeconds: config.functionTimeoutSeconds,
      policyFile: config.policyFile,
      pubsubEmulatorHost: config.pubsubEmulatorHost,
    },
    'decider ready; no policy state yet (a new instance starts from the first reading)',
  );
  return decider;
}

loadAtStartWhenServed(ENTRY_POINT, getDecider, boot);

http(ENTRY_POINT, deciderHandler(getDecider, boot));
