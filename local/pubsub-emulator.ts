/**
 * The Pub/Sub emulator from the Google Cloud SDK (`cloud-pubsub-emulator`, Java) on 127.0.0.1, for the local
 * stack and the tests, plus the few REST calls a test needs (create a topic, a pull subscription, pull);
 * push subscriptions and REST publishing are in pubsub-emulator-admin.ts.
 *
 *   const emulator = await startPubSubEmulator();
 *   await createTopic(emulator, 'spillway-decisions');
 *   await createPullSubscription(emulator, 'spillway-decisions', 'test', { ordered: true });
 *   // clients: PUBSUB_EMULATOR_HOST=emulator.host, or new PubSub({ projectId, apiEndpoint: emulator.host })
 *   await emulator.stop();
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startListening, type ListeningProcess } from './child-process.js';
import { freePort } from './ports.js';

export interface PubSubEmulatorOptions {
  port?: number;
  /** The project the helpers below use; the emulator itself accepts any. Default `spillway-local`. */
  projectId?: string;
  /** Also append the emulator's output to this file. */
  logFile?: string;
  /** How long the JVM may take to serve (default 60 s; it usually takes about 10 s). */
  readyTimeoutMs?: number;
}

export interface PubSubEmulator {
  /** `127.0.0.1:PORT`: the value for `PUBSUB_EMULATOR_HOST` or the client's `apiEndpoint`. */
  readonly host: string;
  readonly port: number;
  readonly projectId: string;
  readonly process: ListeningProcess;
  /** Stops the emulator and every process it started; resolves once none is left. Idempotent. */
  stop(): Promise<void>;
}

export const EMULATOR_INSTALL_HINT =
  'install the Pub/Sub emulator: `apt-get install google-cloud-cli-pubsub-emulator` (Debian/Ubuntu with ' +
  "Google's Cloud SDK repository) or `gcloud components install pubsub-emulator`; it needs Java 17 or newer " +
  '(`apt-get install openjdk-17-jre-headless`)';

const EMULATOR_IN_SDK = join('platform', 'pubsub-emulator', 'bin', 'cloud-pubsub-emulator');
/** Where Debian's google-cloud-cli package installs the SDK. */
const DEBIAN_SDK_ROOT = '/usr/lib/google-cloud-sdk';

/** The SDK root as `gcloud` reports it, or undefined when gcloud is not there or does not answer. */
function gcloudSdkRoot(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      'gcloud',
      ['info', '--format=value(installation.sdk_root)'],
      { timeout: 15_000, env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' } },
      (err, stdout) => resolve(err ? undefined : stdout.trim() || undefined),
    );
  });
}

/**
 * The emulator's start script: `$SPILLWAY_PUBSUB_EMULATOR` if set, else the one in the SDK `gcloud info`
 * reports, else the one in Debian's SDK location. Rejects with an install hint when there is none.
 */
export async function findPubSubEmulator(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const explicit = env['SPILLWAY_PUBSUB_EMULATOR'];
  if (explicit !== undefined && explicit !== '') {
    if (existsSync(explicit)) return explicit;
    throw new Error(
      `SPILLWAY_PUBSUB_EMULATOR names ${explicit}, which does not exist; ${EMULATOR_INSTALL_HINT}`,
    );
  }
  const roots = [await gcloudSdkRoot(), DEBIAN_SDK_ROOT].filter((r): r is string => r !== undefined);
  for (const root of roots) {
    const candidate = join(root, EMULATOR_IN_SDK);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`the Pub/Sub emulator is not installed; ${EMULATOR_INSTALL_HINT}`);
}

/** The pids of every live descendant of `pid` (children, grandchildren…), from /proc. */
function descendants(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return []; // no /proc (not Linux): only the direct child is stopped
  }
  const childrenOf = new Map<number, number[]>();
  for (const name of entries) {
    try {
      // /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = childrenOf.get(ppid) ?? [];
      list.push(Number(name));
      childrenOf.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of childrenOf.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Answers once the emulator serves HTTP (`GET /` → `Ok`); the port alone opens before it is ready. */
async function probe(port: number, timeoutMs: number, exited: Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    try {
      const answer = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
      if (answer.ok) return;
    } catch {
      // not yet
    }
    if (gone) throw new Error('the Pub/Sub emulator exited while starting');
    if (Date.now() > deadline)
      throw new Error(`the Pub/Sub emulator did not answer HTTP within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startPubSubEmulator(options: PubSubEmulatorOptions = {}): Promise<PubSubEmulator> {
  const command = await findPubSubEmulator();
  const port = options.port ?? (await freePort());
  const projectId = options.projectId ?? 'spillway-local';
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const child = await startListening({
    name: 'pubsub-emulator',
    command,
    args: ['--host=127.0.0.1', `--port=${port}`],
    port,
    ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
    installHint: EMULATOR_INSTALL_HINT,
    readyTimeoutMs,
    stopTimeoutMs: 10_000,
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // The start script execs java today; should it ever fork instead, its children are stopped too.
      const pid = child.process.pid;
      const tree = pid === undefined ? [] : descendants(pid);
      for (const p of tree) if (alive(p)) process.kill(p, 'SIGTERM');
      await child.stop();
      const deadline = Date.now() + 10_000;
      while (tree.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      for (const p of tree) if (alive(p)) process.kill(p, 'SIGKILL');
    })();
    return stopping;
  };

  try {
    await probe(port, readyTimeoutMs, child.exited);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; its output:\n${child.output()}`, { cause: err });
  }
  return { host: `127.0.0.1:${port}`, port, projectId, process: child, stop };
}

/** Where the REST helpers below (and those in pubsub-emulator-admin.ts) send their calls. */
export type EmulatorAddress = Pick<PubSubEmulator, 'host' | 'projectId'>;

/**
 * One call to the emulator's REST API under `v1/projects/PROJECT/`; answers the parsed JSON body and
 * throws, with the emulator's answer, on any status but 2xx.
 */
export async function emulatorRest(
  emulator: EmulatorAddress,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const answer = await fetch(`http://${emulator.host}/v1/projects/${emulator.projectId}/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`Pub/Sub emulator: ${method} ${path} answered ${answer.status}: ${text}`);
  return text === '' ? {} : JSON.parse(text);
}

export async function createTopic(emulator: EmulatorAddress, topic: string): Promise<void> {
  await emulatorRest(emulator, 'PUT', `topics/${topic}`, {});
}

export async function createPullSubscription(
  emulator: EmulatorAddress,
  topic: string,
  subscription: string,
  options: { ordered?: boolean; ackDeadlineSeconds?: number } = {},
): Promise<void> {
  await emulatorRest(emulator, 'PUT', `subscriptions/${subscription}`, {
    topic: `projects/${emulator.projectId}/topics/${topic}`,
    enableMessageOrdering: options.ordered ?? false,
    ackDeadlineSeconds: options.ackDeadlineSeconds ?? 60,
  });
}

/** A message as a pull answers it; `data` is the decoded body. */
export interface PulledMessage {
  readonly data: Buffer;
  readonly attributes: Record<string, string>;
  readonly orderingKey: string;
  readonly messageId: string;
}

interface PullAnswer {
  receivedMessages?: {
    ackId: string;
    message: { data?: string; attributes?: Record<string, string>; orderingKey?: string; messageId: string };
  }[];
}

/** One synchronous pull (returns at once, possibly with nothing); what it returns is acknowledged. */
export async function pullMessages(
  emulator: EmulatorAddress,
  subscription: string,
  maxMessages = 100,
): Promise<PulledMessage[]> {
  const answer = (await emulatorRest(emulator, 'POST', `subscriptions/${subscription}:pull`, {
    maxMessages,
    returnImmediately: true,
  })) as PullAnswer;
  const received = answer.receivedMessages ?? [];
  if (received.length > 0) {
    await emulatorRest(emulator, 'POST', `subscriptions/${subscription}:acknowledge`, {
      ackIds: received.map((r) => r.ackId),
    });
  }
  return received.map(({ message }) => ({
    data: Buffer.from(message.data ?? '', 'base64'),
    attributes: message.attributes ?? {},
    orderingKey: message.orderingKey ?? '',
    messageId: message.messageId,
  }));
}
