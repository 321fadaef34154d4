import { PubSub, type Topic } from '@google-cloud/pubsub';
import { encodeDecision } from '../../core/decision/codec.js';
import type { DecisionMessage } from '../../core/decision/message.js';

/** Sends decisions to the topic. `publish` resolves with Pub/Sub's message id, or rejects. */
export interface DecisionPublisher {
  publish(message: DecisionMessage): Promise<string>;
  close(): Promise<void>;
}

export interface PubSubPublisherOptions {
  readonly topic: string;
  /** The project of the topic; the library finds it on GCP when absent. */
  readonly project?: string;
  /** `HOST:PORT` of a Pub/Sub emulator (PUBSUB_EMULATOR_HOST). */
  readonly emulatorHost?: string;
  /** A publish that has not succeeded by then fails (the library's retries included). */
  readonly timeoutMs: number;
}

export class PublishTimeoutError extends Error {
  constructor(ms: number) {
    super(`Pub/Sub did not confirm the publish within ${ms} ms`);
    this.name = 'PublishTimeoutError';
  }
}

/** A message as an ordered topic takes it: the body, its attributes and its ordering key. */
export interface OrderedMessage {
  readonly data: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
  readonly orderingKey: string;
}

/** Publishes messages on one topic, in order per key; `publish` resolves with Pub/Sub's message id. */
export interface OrderedTopic {
  publish(message: OrderedMessage): Promise<string>;
  close(): Promise<void>;
}

/**
 * One ordered topic through @google-cloud/pubsub, for the decider and `spillway override`: message ordering,
 * one message per batch, the library's retries bounded by `timeoutMs`. After a failure the ordering key is
 * resumed, so the next call can publish again. The client is opened on the first publish.
 */
export function orderedTopic(options: PubSubPublisherOptions): OrderedTopic {
  let client: PubSub | undefined;
  let topic: Topic | undefined;
  const open = (): Topic => {
    client ??= new PubSub({
      ...(options.project === undefined ? {} : { projectId: options.project }),
      ...(options.emulatorHost === undefined
        ? {}
        : { apiEndpoint: options.emulatorHost, emulatorMode: true }),
    });
    topic ??= client.topic(options.topic, {
      messageOrdering: true,
      batching: { maxMessages: 1, maxMilliseconds: 1 },
      // The library's own retries end a little earlier, so its error (with the cause) usually wins the race.
      gaxOpts: { timeout: Math.max(500, options.timeoutMs - 500) },
    });
    return topic;
  };

  return {
    async publish(message) {
      const target = open();
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          target.publishMessage({
            data: message.data,
            attributes: { ...message.attributes },
            orderingKey: message.orderingKey,
          }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new PublishTimeoutError(options.timeoutMs)), options.timeoutMs);
          }),
        ]);
      } catch (err) {
        // An ordered publish that failed pauses its key until resumed.
        target.resumePublishing(message.orderingKey);
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      const c = client;
      client = undefined;
      topic = undefined;
      await c?.close();
    },
  };
}

/**
 * The decider's publisher: each decision encoded by core's encodeDecision (the ordering key
 * `namespace/virtualService`, the `kind` and `target` attributes) on an ordered topic.
 */
export function pubSubPublisher(options: PubSubPublisherOptions): DecisionPublisher {
  const topic = orderedTopic(options);
  return {
    publish: (message) => topic.publish(encodeDecision(message)),
    close: () => topic.close(),
  };
}
