/**
 * `spillway decide --once [--dry-run] [--prometheus URL] [--policy FILE]`: one tick of the decider from the
 * command line, with the function's own configuration (environment + policy file) and code. Prints
 * `{"decisions": [...]}` on stdout; logs (JSON, LOG_LEVEL, `warn` by default) go to stderr.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError } from '../../core/errors.js';
import { loggerOptions } from '../../core/logger.js';
import type { DeciderConfig } from '../../functions/decider/config.js';
import { createDecider } from '../../functions/decider/decider.js';
import { decisionSummary } from '../../functions/decider/handler.js';
import { loadDeciderConfig } from '../../functions/decider/load-config.js';
import type { Decision } from '../../functions/decider/tick.js';

export const USAGE = `usage: spillway decide --once [--dry-run] [--prometheus URL] [--policy FILE]

Runs one tick of the decider: reads each target's request rate, decides with its policy and publishes
the decision on the Pub/Sub topic (PUBSUB_EMULATOR_HOST for the emulator), or holds. Prints
{"decisions": [{"target", "action": "publish"|"hold", "weights"?, "cause", "observed"?, ...}]}.

options:
  --once             one tick (required; the loop of pollEvery/runFor is the function's)
  --dry-run          decide and print, publish nothing
  --prometheus URL   the Prometheus to read (sets PROMETHEUS_URL and the url of every prometheus source)
  --policy FILE      the policy file, YAML or JSON (sets SPILLWAY_POLICY_FILE)
  -h, --help         this text

The other settings come from the environment as for the function: see docs/decider.md.`;

const usageError = (message: string): number => {
  process.stderr.write(`spillway decide: ${message}\n\n${USAGE}\n`);
  return 2;
};

/** The printed form of a decision: the function's summary without the tick (there is one). */
function printed(d: Decision): Record<string, unknown> {
  const summary = decisionSummary(d);
  delete summary['tick'];
  return summary;
}

export async function run(args: string[]): Promise<number> {
  let values: { once?: boolean; 'dry-run'?: boolean; prometheus?: string; policy?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        once: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        prometheus: { type: 'string' },
        policy: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return usageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.once) return usageError('--once is required (one tick; the loop belongs to the function)');
  const prometheus = values.prometheus;
  if (prometheus !== undefined && !/^https?:\/\/\S+$/.test(prometheus))
    return usageError(`--prometheus must be an http:// or https:// URL (got ${JSON.stringify(prometheus)})`);
  if (values.policy === '') return usageError('--policy needs a file name');

  const env: NodeJS.ProcessEnv = { ...process.env };
  if (values.policy !== undefined) env['SPILLWAY_POLICY_FILE'] = values.policy;
  if (prometheus !== undefined) env['PROMETHEUS_URL'] = prometheus;
  if (env['LOG_LEVEL'] === undefined || env['LOG_LEVEL'] === '') env['LOG_LEVEL'] = 'warn';
  let config: DeciderConfig;
  try {
    config = loadDeciderConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(
      `spillway decide: ${err.message}\n(--policy sets SPILLWAY_POLICY_FILE, --prometheus sets PROMETHEUS_URL)\n`,
    );
    return 2;
  }
  if (prometheus !== undefined) {
    config.targets = config.targets.map((t) =>
      t.source.type === 'prometheus' ? { ...t, source: { ...t.source, url: prometheus } } : t,
    );
  }

  const logger = pino(loggerOptions({ service: 'decider', level: config.logLevel }), pino.destination(2));
  const decider = createDecider({ config, logger });
  try {
    const result = await decider.call({ once: true, dryRun: values['dry-run'] ?? false });
    process.stdout.write(`${JSON.stringify({ decisions: result.decisions.map(printed) }, null, 2)}\n`);
    if (result.publishFailed) {
      process.stderr.write('spillway decide: a decision could not be published (see "error")\n');
      return 1;
    }
    return 0;
  } finally {
    await decider.close();
  }
}
