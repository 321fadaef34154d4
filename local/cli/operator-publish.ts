/**
 * The two ways `spillway override` hands an operator message to the applier:
 *   - publish it on a Pub/Sub topic with @google-cloud/pubsub (the real service, which honours
 *     PUBSUB_EMULATOR_HOST, or the local stack's emulator), with the ordering key of the target;
 *   - without an emulator (the local stack in `direct` mode), POST it to the applier as the Pub/Sub push
 *     request a push subscription would send, retried with back-off while the applier answers 5xx.
 */
import { orderedTopic } from '../../functions/decider/publisher.js';
import { isRecord } from '../../core/json.js';

/** An operator message: the shorthand body, its attributes and ordering key. */
export interface OperatorMessage {
  readonly data: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly orderingKey: string;
}

export class PublishError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PublishError';
  }
}

function causeOf(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'no answer in time';
  const cause = e.cause?.code ?? e.cause?.message;
  const message = e.message ?? String(err);
  return cause === undefined || message.includes(cause) ? message : `${message} (${cause})`;
}

export interface TopicAddress {
  readonly projectId: string;
  readonly topic: string;
  /** `HOST:PORT` of a Pub/Sub emulator; without it the client finds its endpoint (PUBSUB_EMULATOR_HOST, else Google's). */
  readonly emulatorHost?: string;
}

/** Publishes `message` on the topic and answers Pub/Sub's message id; rejects with a PublishError. */
export async function publishOnTopic(
  address: TopicAddress,
  message: OperatorMessage,
  timeoutMs: number,
): Promise<string> {
  if (address.emulatorHost !== undefined || process.env['PUBSUB_EMULATOR_HOST'] !== undefined) {
    // An emulator needs no credentials: skip google-auth's metadata-server probe (and its warning).
    process.env['METADATA_SERVER_DETECTION'] ??= 'none';
  }
  const topic = orderedTopic({
    topic: address.topic,
    project: address.projectId,
    ...(address.emulatorHost === undefined ? {} : { emulatorHost: address.emulatorHost }),
    timeoutMs,
  });
  try {
    return await topic.publish({ ...message, data: Buffer.from(message.data, 'utf8') });
  } catch (err) {
    throw new PublishError(
      `cannot publish to projects/${address.projectId}/topics/${address.topic}: ${causeOf(err)}`,
      { cause: err },
    );
  } finally {
    await topic.close().catch(() => undefined);
  }
}

/** Answers when the emulator at `host` serves (`GET /` → 200); rejects with a PublishError saying why not. */
export async function checkEmulator(host: string, timeoutMs = 3_000): Promise<void> {
  let answer: Response;
  try {
    answer = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new PublishError(`the Pub/Sub emulator at ${host} does not answer: ${causeOf(err)}`, {
      cause: err,
    });
  }
  await answer.body?.cancel();
  if (!answer.ok) throw new PublishError(`the Pub/Sub emulator at ${host} answered HTTP ${answer.status}`);
}

export interface PushTarget {
  /** The applier's URL (the push endpoint). */
  readonly endpoint: string;
  /** `projects/P/subscriptions/S`, as a push request names its subscription. */
  readonly subscription: string;
}

export interface PushOptions {
  /** The waits between attempts: one attempt more than waits (default 0.25, 0.5, 1, 2 s). */
  readonly backoffMs?: readonly number[];
  /** Per attempt (default 30 s: the applier answers when it has written every cluster). */
  readonly attemptTimeoutMs?: number;
}

export const DEFAULT_PUSH_BACKOFF_MS = [250, 500, 1_000, 2_000] as const;

/**
 * POSTs `message` as a Pub/Sub push request (`{message: {data, attributes, messageId, publishTime},
 * subscription}`) until the applier takes it: 2xx (204 when done) answers; 5xx, a timeout or no
 * connection is tried again after the next back-off (the same message id and publish time, so the applier
 * sees a redelivery of one message, as from Pub/Sub); another status fails at once. Answers the attempts.
 */
export async function pushToApplier(
  target: PushTarget,
  message: OperatorMessage & { messageId: string; publishTime: string },
  options: PushOptions = {},
): Promise<{ status: number; attempts: number }> {
  const backoff = options.backoffMs ?? DEFAULT_PUSH_BACKOFF_MS;
  const body = JSON.stringify({
    message: {
      data: Buffer.from(message.data, 'utf8').toString('base64'),
      attributes: message.attributes,
      messageId: message.messageId,
      publishTime: message.publishTime,
    },
    subscription: target.subscription,
  });
  let last = '';
  for (let attempt = 1; attempt <= backoff.length + 1; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, backoff[attempt - 2]));
    let answer: Response;
    try {
      answer = await fetch(target.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(options.attemptTimeoutMs ?? 30_000),
      });
    } catch (err) {
      last = causeOf(err);
      continue;
    }
    const text = (await answer.text()).trim();
    if (answer.ok) return { status: answer.status, attempts: attempt };
    const detail = `HTTP ${answer.status}${text === '' ? '' : `: ${summarise(text)}`}`;
    if (answer.status < 500)
      throw new PublishError(`the applier at ${target.endpoint} refused the message (${detail})`);
    last = detail;
  }
  throw new PublishError(
    `the applier at ${target.endpoint} did not take the message after ${backoff.length + 1} attempts (last: ${last})`,
  );
}

/** The gist of an error body: a JSON error's message, else the first 200 characters. */
function summarise(text: string): string {
  try {
    const value: unknown = JSON.parse(text);
    if (isRecord(value) && typeof value['message'] === 'string') return value['message'];
  } catch {
    // not JSON
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
