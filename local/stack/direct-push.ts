/**
 * Direct push: how the local stack delivers messages to the applier when the Pub/Sub emulator cannot run.
 * Each message becomes the request a Pub/Sub push subscription would send (`{message: {data, attributes,
 * messageId, publishTime, orderingKey}, subscription}`), POSTed to the applier; a 2xx answer acknowledges it,
 * anything else is retried with back-off as Pub/Sub would, up to `attempts` times. One message at a time
 * per publisher, so decisions stay in order as they do on an ordered subscription.
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeDecision } from '../../core/decision/codec.js';
import type { DecisionMessage } from '../../core/decision/message.js';
import type { DecisionPublisher } from '../../functions/decider/publisher.js';

export interface PushMessage {
  readonly data: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
  readonly orderingKey?: string;
}

export interface DirectPushOptions {
  /** The applier's URL. */
  readonly endpoint: string;
  /** `projects/P/subscriptions/S`, as Pub/Sub names the subscription in the request. */
  readonly subscription: string;
  /** Tries before giving up (default 5). */
  readonly attempts?: number;
  /** Pause before the n-th retry (default 250 ms doubling, at most 4 s). */
  readonly backoffMs?: (attempt: number) => number;
  /** One request's time limit (default 10 s, Pub/Sub's default ack deadline). */
  readonly timeoutMs?: number;
}

/** The body of a Pub/Sub push request for `message`, with a fresh numeric message id. */
export function pushRequestBody(
  message: PushMessage,
  subscription: string,
  now: Date = new Date(),
): { message: Record<string, unknown>; subscription: string } {
  const messageId = String(now.getTime() * 1000 + randomInt(1000));
  return {
    message: {
      data: message.data.toString('base64'),
      attributes: { ...message.attributes },
      messageId,
      message_id: messageId,
      publishTime: now.toISOString(),
      publish_time: now.toISOString(),
      ...(message.orderingKey === undefined ? {} : { orderingKey: message.orderingKey }),
    },
    subscription,
  };
}

const defaultBackoff = (attempt: number): number => Math.min(4000, 250 * 2 ** (attempt - 1));

/**
 * POSTs `message` to the endpoint until it is acknowledged (2xx) or `attempts` are used up; resolves with
 * the message id, rejects with the last answer or network error.
 */
export async function pushDirectly(message: PushMessage, options: DirectPushOptions): Promise<string> {
  const attempts = options.attempts ?? 5;
  const backoff = options.backoffMs ?? defaultBackoff;
  const body = pushRequestBody(message, options.subscription);
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(backoff(attempt - 1));
    try {
      const answer = await fetch(options.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      const text = await answer.text();
      if (answer.ok) return String(body.message['messageId']);
      last = `the applier answered ${String(answer.status)}${text === '' ? '' : `: ${text.slice(0, 200)}`}`;
    } catch (err) {
      last = `cannot reach the applier at ${options.endpoint}: ${(err as Error).message}`;
    }
  }
  throw new Error(`${last} (gave up after ${String(attempts)} attempts)`);
}

/** The decider's publisher in direct-push mode: one decision at a time, in order. */
export function directPushPublisher(options: DirectPushOptions): DecisionPublisher {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    publish(decision: DecisionMessage): Promise<string> {
      const encoded = encodeDecision(decision);
      const sent = queue.then(() => pushDirectly(encoded, options));
      queue = sent.catch(() => undefined);
      return sent;
    },
    async close() {
      await queue;
    },
  };
}
