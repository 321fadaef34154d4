/**
 * The decider in direct-push mode: without an emulator the functions-framework process could not publish,
 * so the runner runs the same decider code (its configuration from the same variables) in its own process
 * with a publisher that POSTs push requests to the applier. It logs to its own file as the function would.
 */
import { pino } from 'pino';
import { loggerOptions } from '../../core/logger.js';
import { createDecider } from '../../functions/decider/decider.js';
import { decisionSummary } from '../../functions/decider/handler.js';
import { loadDeciderConfig } from '../../functions/decider/load-config.js';
import { directPushPublisher } from './direct-push.js';
import type { DeciderAnswer } from './scheduler.js';

export interface InProcessDecider {
  call(): Promise<DeciderAnswer>;
  close(): Promise<void>;
}

export function startInProcessDecider(
  env: Record<string, string>,
  options: { endpoint: string; subscription: string; logFile: string },
): InProcessDecider {
  const config = loadDeciderConfig(env);
  const destination = pino.destination({ dest: options.logFile, append: true, sync: false });
  const logger = pino(loggerOptions({ service: 'decider', level: config.logLevel }), destination);
  const decider = createDecider({
    config,
    logger,
    publisher: directPushPublisher(
      { endpoint: options.endpoint, subscription: options.subscription },
      { attemptTimeoutMs: 5_000 },
    ),
  });
  return {
    async call() {
      const result = await decider.call();
      return {
        status: result.publishFailed ? 503 : 200,
        body: { decisions: result.decisions.map(decisionSummary), ticks: result.ticks },
      };
    },
    async close() {
      await decider.close();
      destination.flushSync();
      destination.end();
    },
  };
}
