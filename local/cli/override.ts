/**
 * `spillway override burst|primary|split:N|auto [--ttl 30m] [--reason TEXT] [--dir DIR] [--project P
 * [--topic T]] [--namespace NS] [--virtual-service NAME]`: publishes the operator's shorthand message (the
 * contract's "Decision message", docs/applier.md) — checked first with core's parser, the one the applier
 * runs — to the running local stack (its emulator, or a direct push to its applier) or, with --project, to
 * the real Pub/Sub topic. Exit 0 published, 1 not published, 2 bad usage (nothing published).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { formatDuration } from '../../core/decision/duration.js';
import { DecisionKind, formatTarget, type Target } from '../../core/decision/message.js';
import { DEFAULT_OVERRIDE_TTL_SECONDS, parseOperatorMessage } from '../../core/decision/shorthand.js';
import { formatRfc3339 } from '../../core/decision/rfc3339.js';
import { DEFAULT_STACK_DIR, readStackFile, StackFileError, type StackFile } from '../stack/stack-file.js';
import { processIo, type CliIo } from './cli-io.js';
import {
  checkEmulator,
  publishOnTopic,
  PublishError,
  pushToApplier,
  type OperatorMessage,
  type PushOptions,
} from './operator-publish.js';
import { CODELAB_TARGET, resolveTarget } from './operator-target.js';
import { formatPercent } from './routing-status.js';

export const DEFAULT_TOPIC = 'spillway-decisions';
/** How long a publish may take, the client library's retries included. */
export const PUBLISH_TIMEOUT_MS = 30_000;

export const USAGE = `usage: spillway override burst|primary|split:N|auto [--ttl 30m] [--reason TEXT]
                         [--dir DIR] [--project P [--topic T]] [--namespace NS] [--virtual-service NAME]

Takes control of the routing: publishes the operator message the applier reads from the decision topic.
  burst      all traffic to the burst cluster        primary  all traffic to the primary cluster
  split:N    N % to burst (an integer 0–100)         auto     end the override: automatic decisions again

options:
  --ttl DURATION          how long the override holds: 1s to 7d, e.g. 30m, 2h, 1h30m (default 1h; not with auto)
  --reason TEXT           why, shown by \`spillway status\` and on the VirtualService
  --dir DIR               the running local stack's folder (default ${DEFAULT_STACK_DIR}): publish to its Pub/Sub
                          emulator, or push to its applier when it runs without one
  --project P             publish to the real Pub/Sub topic of project P instead (no local stack needed;
                          PUBSUB_EMULATOR_HOST is honoured)
  --topic T               with --project: the topic (default ${DEFAULT_TOPIC})
  --namespace NS          the VirtualService's namespace (default: the stack's, else default)
  --virtual-service NAME  the VirtualService (default: the stack's, else worker-virtual-service)
  -h, --help              this text

Exit status: 0 published, 1 not published (no stack running, Pub/Sub or the applier unreachable), 2 bad usage.`;

type Flags = {
  ttl?: string;
  reason?: string;
  dir?: string;
  project?: string;
  topic?: string;
  namespace?: string;
  'virtual-service'?: string;
  help?: boolean;
};

const SHORTHAND = /^(burst|primary|auto|split:.*)$/i;
/** A topic name as Pub/Sub accepts it. */
const TOPIC_NAME = /^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$/;

/** What core's reasons call attributes are flags here. */
function asFlags(reason: string): string {
  return reason.replace(/^attribute (ttl|reason)\b/, '--$1');
}

export async function run(args: string[], io: CliIo = processIo(), push: PushOptions = {}): Promise<number> {
  const usageError = (message: string): number => {
    io.stderr(`spillway override: ${message}\n\n${USAGE}\n`);
    return 2;
  };
  const failure = (message: string): number => {
    io.stderr(`spillway override: ${message}\nNothing was published.\n`);
    return 1;
  };

  let flags: Flags;
  let positionals: string[];
  try {
    ({ values: flags, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ttl: { type: 'string' },
        reason: { type: 'string' },
        dir: { type: 'string' },
        project: { type: 'string' },
        topic: { type: 'string' },
        namespace: { type: 'string' },
        'virtual-service': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return usageError((err as Error).message);
  }
  if (flags.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }

  // Everything the command line alone decides, before anything is read or sent.
  if (positionals.length === 0) return usageError('what to do is missing: burst, primary, split:N or auto');
  if (positionals.length > 1)
    return usageError(`one of burst, primary, split:N or auto, not ${positionals.join(' ')}`);
  const word = (positionals[0] ?? '').trim().toLowerCase();
  if (!SHORTHAND.test(word))
    return usageError(
      `unknown ${JSON.stringify(positionals[0])}: expected burst, primary, split:N (N % to burst) or auto`,
    );
  for (const name of ['dir', 'project', 'topic', 'namespace', 'virtual-service', 'ttl'] as const)
    if (flags[name] !== undefined && flags[name].trim() === '') return usageError(`--${name} needs a value`);
  if (flags.reason !== undefined && flags.reason.trim() === '')
    return usageError('--reason must not be empty (leave it out for the default reason)');
  if (flags.topic !== undefined && flags.project === undefined)
    return usageError('--topic applies to --project (the local stack names its own topic)');
  if (flags.project !== undefined && flags.dir !== undefined)
    return usageError('--dir and --project exclude each other: the local stack, or a Google Cloud project');
  if (flags.project !== undefined && !/^[^\s/]+$/.test(flags.project))
    return usageError(`--project must be a Google Cloud project id (got ${JSON.stringify(flags.project)})`);
  if (flags.topic !== undefined && (!TOPIC_NAME.test(flags.topic) || flags.topic.startsWith('goog')))
    return usageError(`--topic must be a Pub/Sub topic name (got ${JSON.stringify(flags.topic)})`);

  const attributes: Record<string, string> = {};
  if (flags.ttl !== undefined) attributes['ttl'] = flags.ttl.trim();
  if (flags.reason !== undefined) attributes['reason'] = flags.reason;
  const flagTarget = { namespace: flags.namespace, virtualService: flags['virtual-service'] };
  const checked = resolveTarget(flagTarget, CODELAB_TARGET, 'the default');
  if (!checked.ok) return usageError(checked.reason);
  // Core's own rules, the applier's: split:150, --ttl 10, ttl with auto, a reason too long…
  const precheck = parseOperatorMessage(word, attributes, {
    now: new Date(),
    defaultTarget: checked.target,
    newId: () => 'spillway-cli-check',
  });
  if (!precheck.ok) return usageError(asFlags(precheck.reason));

  // Where to.
  let stack: StackFile | undefined;
  let target: Target = checked.target;
  if (flags.project === undefined) {
    try {
      stack = await readStackFile(flags.dir ?? DEFAULT_STACK_DIR);
    } catch (err) {
      if (err instanceof StackFileError)
        return failure(`${err.message} (or publish to a Google Cloud project with --project P)`);
      throw err;
    }
    const fromStack = resolveTarget(
      flagTarget,
      { namespace: stack.namespace, virtualService: stack.virtualService },
      'the stack file',
    );
    if (!fromStack.ok) return failure(fromStack.reason);
    target = fromStack.target;
  }
  const key = formatTarget(target);
  attributes['target'] = key;
  const message: OperatorMessage = { data: word, attributes, orderingKey: key };

  const publishTime = new Date();
  let via: string;
  let delivered: string;
  /** Direct: the publish time is this command's, so `until` is exact. */
  let exact = false;
  try {
    if (stack === undefined) {
      const project = flags.project ?? '';
      const topic = flags.topic ?? DEFAULT_TOPIC;
      // The client library reads PUBSUB_EMULATOR_HOST itself; from `io.env` it is this command's own.
      const emulator = io.env['PUBSUB_EMULATOR_HOST'];
      const emulatorHost = emulator === undefined || emulator === '' ? undefined : emulator;
      const id = await publishOnTopic(
        { projectId: project, topic, ...(emulatorHost === undefined ? {} : { emulatorHost }) },
        message,
        PUBLISH_TIMEOUT_MS,
      );
      via = `projects/${project}/topics/${topic}${emulatorHost === undefined ? '' : ` (the Pub/Sub emulator at ${emulatorHost}, PUBSUB_EMULATOR_HOST)`}`;
      delivered = `published, message id ${id}`;
    } else if (stack.pubsub.mode === 'emulator') {
      const { emulatorHost, projectId, topic } = stack.pubsub;
      await checkEmulator(emulatorHost).catch((err: unknown) => {
        throw new PublishError(
          `${(err as Error).message}; is the local stack (\`npm start\`) still running?`,
        );
      });
      const id = await publishOnTopic({ projectId, topic, emulatorHost }, message, PUBLISH_TIMEOUT_MS);
      via = `projects/${projectId}/topics/${topic} (the local stack's Pub/Sub emulator at ${emulatorHost})`;
      delivered = `published, message id ${id}`;
    } else {
      const { pushEndpoint, projectId, subscription } = stack.pubsub;
      const messageId = `cli-${randomUUID()}`;
      const answer = await pushToApplier(
        { endpoint: pushEndpoint, subscription: `projects/${projectId}/subscriptions/${subscription}` },
        { ...message, messageId, publishTime: formatRfc3339(publishTime) },
        push,
      );
      via = `the local stack's applier at ${pushEndpoint} (a push request: this stack runs without the Pub/Sub emulator)`;
      exact = true;
      delivered = `taken by the applier (HTTP ${answer.status}${answer.attempts > 1 ? ` after ${answer.attempts} attempts` : ''}), message id ${messageId}`;
    }
  } catch (err) {
    if (err instanceof PublishError) return failure(err.message);
    throw err;
  }

  // What was asked, as the applier reads it (issued about now: it uses Pub/Sub's publish time).
  const asked = parseOperatorMessage(word, attributes, { now: publishTime, newId: () => 'spillway-cli' });
  const lines: string[] = [];
  if (asked.ok && asked.message.kind === DecisionKind.Override) {
    const ttl =
      flags.ttl === undefined
        ? `${formatDuration(DEFAULT_OVERRIDE_TTL_SECONDS)} (the default)`
        : flags.ttl.trim();
    lines.push(
      `override ${key}: ${formatPercent(asked.message.weights)}`,
      `  for       ${ttl}, until ${exact ? '' : 'about '}${asked.message.until ?? '?'}`,
    );
  } else {
    lines.push(
      `release the override of ${key}: automatic decisions again`,
      '  weights   stay as they are until the next auto decision changes them',
    );
  }
  lines.push(
    `  reason    ${flags.reason === undefined ? '(the default)' : JSON.stringify(flags.reason)}`,
    `  to        ${via}${exact ? '' : `, ordering key ${key}`}`,
    `  result    ${delivered}`,
    '',
    stack === undefined
      ? `See the effect: npx spillway status --kubeconfig FILE --namespace ${target.namespace} --virtual-service ${target.virtualService}`
      : `See the effect: npx spillway status${flags.dir === undefined ? '' : ` --dir ${flags.dir}`}`,
  );
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}
