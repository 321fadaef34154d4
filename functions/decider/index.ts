/**
 * The decider's Cloud Run function: entry point `decide` (HTTP, called by Cloud Scheduler).
 *
 * The configuration (environment + SPILLWAY_POLICY_FILE) is read once per instance. When this instance
 * serves the decider (FUNCTION_TARGET=decide, as Cloud Run functions set it), it is read at start-up and a
 * bad value stops the process with a message naming it; otherwise (e.g. the combined entry
 * functions/index.ts serving another function) on the first call, which answers 500 with that message.
 */
import { http } from '@google-cloud/functions-framework';
import { ConfigError } from '../../core/errors.js';
import { createLogger, LogLevels, type LogLevel } from '../../core/logger.js';
import { createDecider, type Decider } from './decider.js';
import { deciderHandler } from './handler.js';
import { loadDeciderConfig } from './load-config.js';

export const ENTRY_POINT = 'decide';

const bootLevel: LogLevel = (LogLevels as readonly string[]).includes(process.env['LOG_LEVEL'] ?? '')
  ? (process.env['LOG_LEVEL'] as LogLevel)
  : 'info';
const bootLogger = createLogger({ service: 'decider', level: bootLevel });

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
      functionTimeoutSeconds: config.functionTimeoutSeconds,
      policyFile: config.policyFile,
      pubsubEmulatorHost: config.pubsubEmulatorHost,
    },
    'decider ready; no policy state yet (a new instance starts from the first reading)',
  );
  return decider;
}

if (process.env['FUNCTION_TARGET'] === ENTRY_POINT) {
  try {
    getDecider();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    bootLogger.fatal({ code: err.code, problems: err.problems }, err.message);
    process.exit(2);
  }
}

http(ENTRY_POINT, deciderHandler(getDecider, bootLogger));
