/**
 * Push subscriptions and REST publishing on the Pub/Sub emulator, spelled as the real REST API spells them
 * (`PUT subscriptions/S` with `pushConfig` and `retryPolicy`, `POST topics/T:publish` with base64 data).
 *
 *   await createPushSubscription(emulator, 'spillway-decisions', 'applier',
 *     'http://127.0.0.1:8081/projects/spillway-local/topics/spillway-decisions',
 *     { minimumBackoffSeconds: 1, maximumBackoffSeconds: 2 });
 *   const [id] = await publishMessages(emulator, 'spillway-decisions', [{ data: '{"…"}', attributes: { … } }]);
 *
 * functions-framework turns a push body into a CloudEvent only when the endpoint's path is
 * `/projects/PROJECT/topics/TOPIC` (see pushEndpointFor) and the message has a non-empty body.
 */
import { emulatorRest, type EmulatorAddress } from './pubsub-emulator.js';

export interface PushSubscriptionOptions {
  /** How long the emulator waits for the endpoint's answer before it counts as a failure (default 10). */
  ackDeadlineSeconds?: number;
  /** `retryPolicy.minimumBackoff`; with neither backoff set, no retry policy is sent (immediate redelivery). */
  minimumBackoffSeconds?: number;
  /** `retryPolicy.maximumBackoff`. */
  maximumBackoffSeconds?: number;
  /** `enableMessageOrdering`. */
  ordered?: boolean;
}

/** The URL of a push endpoint at `base` whose path functions-framework's Pub/Sub middleware recognises. */
export function pushEndpointFor(emulator: EmulatorAddress, topic: string, base: string): string {
  return `${base.replace(/\/+$/, '')}/projects/${emulator.projectId}/topics/${topic}`;
}

function seconds(name: string, value: number): string {
  if (!Number.isFinite(value) || value < 0 || value > 600) {
    throw new RangeError(`${name} must be between 0 and 600 seconds, got ${String(value)}`);
  }
  return `${String(value)}s`;
}

/** Creates a push subscription on `topic`; throws with the emulator's answer when it refuses (e.g. 409). */
export async function createPushSubscription(
  emulator: EmulatorAddress,
  topic: string,
  subscription: string,
  pushEndpoint: string,
  options: PushSubscriptionOptions = {},
): Promise<void> {
  const { ackDeadlineSeconds = 10, minimumBackoffSeconds, maximumBackoffSeconds, ordered = false } = options;
  if (!/^https?:\/\//.test(pushEndpoint)) {
    throw new Error(`pushEndpoint must be an http(s) URL, got ${JSON.stringify(pushEndpoint)}`);
  }
  if (!Number.isInteger(ackDeadlineSeconds) || ackDeadlineSeconds < 10 || ackDeadlineSeconds > 600) {
    throw new RangeError(`ackDeadlineSeconds must be an integer from 10 to 600, got ${ackDeadlineSeconds}`);
  }
  const retryPolicy: Record<string, string> = {};
  if (minimumBackoffSeconds !== undefined) {
    retryPolicy['minimumBackoff'] = seconds('minimumBackoffSeconds', minimumBackoffSeconds);
  }
  if (maximumBackoffSeconds !== undefined) {
    retryPolicy['maximumBackoff'] = seconds('maximumBackoffSeconds', maximumBackoffSeconds);
  }
  if (
    minimumBackoffSeconds !== undefined &&
    maximumBackoffSeconds !== undefined &&
    minimumBackoffSeconds > maximumBackoffSeconds
  ) {
    throw new RangeError(
      `minimumBackoffSeconds (${minimumBackoffSeconds}) exceeds maximumBackoffSeconds (${maximumBackoffSeconds})`,
    );
  }
  await emulatorRest(emulator, 'PUT', `subscriptions/${subscription}`, {
    topic: `projects/${emulator.projectId}/topics/${topic}`,
    pushConfig: { pushEndpoint },
    ackDeadlineSeconds,
    enableMessageOrdering: ordered,
    ...(Object.keys(retryPolicy).length === 0 ? {} : { retryPolicy }),
  });
}

/** Deletes a subscription (push or pull); its undelivered messages are dropped. */
export async function deleteSubscription(emulator: EmulatorAddress, subscription: string): Promise<void> {
  await emulatorRest(emulator, 'DELETE', `subscriptions/${subscription}`);
}

/** A message to publish; `data` as text (UTF-8) or bytes, may be empty when there are attributes. */
export interface MessageToPublish {
  data: string | Buffer;
  attributes?: Record<string, string>;
  orderingKey?: string;
}

/** Publishes in one REST call; answers the message ids in the order of `messages`. */
export async function publishMessages(
  emulator: EmulatorAddress,
  topic: string,
  messages: readonly MessageToPublish[],
): Promise<string[]> {
  if (messages.length === 0) throw new Error('publishMessages needs at least one message');
  const answer = (await emulatorRest(emulator, 'POST', `topics/${topic}:publish`, {
    messages: messages.map((m) => ({
      data: (typeof m.data === 'string' ? Buffer.from(m.data, 'utf8') : m.data).toString('base64'),
      ...(m.attributes === undefined ? {} : { attributes: m.attributes }),
      ...(m.orderingKey === undefined ? {} : { orderingKey: m.orderingKey }),
    })),
  })) as { messageIds?: unknown };
  const ids = answer.messageIds;
  if (!Array.isArray(ids) || ids.length !== messages.length || !ids.every((id) => typeof id === 'string')) {
    throw new Error(
      `Pub/Sub emulator: publish to ${topic} answered no message ids: ${JSON.stringify(answer)}`,
    );
  }
  return ids as string[];
}
