import type { Logger } from '../../core/logger.js';
import type { PolicyState } from '../../core/policy/types.js';
import type { DeciderConfig } from './config.js';
import { longestTickSeconds } from './load-config.js';
import { realClock, runLoop, type LoopClock, type LoopEnd } from './loop.js';
import { pubSubPublisher, type DecisionPublisher } from './publisher.js';
import { createSource, type SourceClients } from './sources/index.js';
import { targetKey, tickTarget, type Decision, type TargetRuntime } from './tick.js';
import type { Clock } from './sources/types.js';

/** What one call did: every target's outcome of every tick. */
export interface CallResult {
  decisions: Decision[];
  ticks: number;
  end: LoopEnd;
  /** A publish failed: the call must answer 5xx so Cloud Scheduler retries. */
  publishFailed: boolean;
}

export interface DeciderDependencies {
  readonly config: DeciderConfig;
  readonly logger: Logger;
  /** The Pub/Sub publisher by default. */
  readonly publisher?: DecisionPublisher;
  readonly sourceClients?: SourceClients;
  readonly clock?: Clock;
  readonly loopClock?: LoopClock;
  readonly newId?: () => string;
}

/**
 * One decider instance: its targets and sources, its publisher and the policy state of every target, kept
 * in memory between ticks and between calls (a new instance starts without state: see docs/decider.md).
 */
export interface Decider {
  readonly config: DeciderConfig;
  /** One call: the configured loop (or one tick), every target in parallel within a tick. */
  call(options?: { dryRun?: boolean; once?: boolean }): Promise<CallResult>;
  close(): Promise<void>;
}

export function createDecider(deps: DeciderDependencies): Decider {
  const { config, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const sourceClients: SourceClients = { clock, ...deps.sourceClients };
  const targets: TargetRuntime[] = config.targets.map((target) => ({
    target,
    key: targetKey(target),
    source: createSource(target.source, config.project, sourceClients),
  }));
  const publisher =
    deps.publisher ??
    pubSubPublisher({
      topic: config.topic,
      ...(config.project === undefined ? {} : { project: config.project }),
      ...(config.pubsubEmulatorHost === undefined ? {} : { emulatorHost: config.pubsubEmulatorHost }),
      timeoutMs: config.publishTimeoutSeconds * 1000,
    });
  const states = new Map<string, PolicyState | undefined>();
  const lastPublished = new Map<string, Date>();
  const budgetMs = (config.functionTimeoutSeconds - config.safetyMarginSeconds) * 1000;

  return {
    config,
    async call(options = {}) {
      const dryRun = options.dryRun ?? false;
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new Error('the call ran out of time')), budgetMs);
      const publishedIds = new Set<string>();
      const stopped = new Set<string>(); // targets whose publish failed: no more ticks in this call
      const decisions: Decision[] = [];
      const context = {
        states,
        lastPublished,
        resyncEveryMs: config.resyncEverySeconds * 1000,
        publisher: dryRun ? undefined : publisher,
        clock,
        ...(deps.newId === undefined ? {} : { newId: deps.newId }),
        logger,
        publishedIds,
        signal: deadline.signal,
      };
      try {
        const { ticks, end } = await runLoop(
          {
            pollEveryMs: config.pollEverySeconds * 1000,
            runForMs: options.once ? 0 : config.runForSeconds * 1000,
            budgetMs,
            longestTickMs: longestTickSeconds(config) * 1000,
          },
          deps.loopClock ?? realClock,
          async (tick) => {
            const active = targets.filter((t) => !stopped.has(t.key));
            const outcomes = await Promise.all(active.map((t) => tickTarget(t, tick, context)));
            for (const outcome of outcomes) if (outcome.error !== undefined) stopped.add(outcome.target);
            decisions.push(...outcomes);
            return stopped.size === targets.length ? 'stop' : 'continue';
          },
        );
        const publishFailed = stopped.size > 0;
        logger[publishFailed ? 'error' : 'info'](
          { ticks, end, published: publishedIds.size, publishFailed, dryRun },
          `call done: ${ticks} tick(s), ${publishedIds.size} decision(s) published${publishFailed ? ', a publish failed' : ''}`,
        );
        return { decisions, ticks, end, publishFailed };
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await publisher.close();
    },
  };
}
