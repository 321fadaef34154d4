/**
 * Direct push: how the local stack delivers the decider's decisions to the applier when the Pub/Sub
 * emulator cannot run. Each decision becomes the request a Pub/Sub push subscription would send
 * (local/cli/operator-publish.ts pushToApplier, which `spillway override` uses too), retried with back-off
 * while the applier answers 5xx; one message at a time, so decisions stay in order as on an ordered
 * subscription.
 */
import { randomInt } from 'node:crypto';
import { encodeDecision } from '../../core/decision/codec.js';
import type { DecisionMessage } from '../../core/decision/message.js';
import type { DecisionPublisher } from '../../functions/decider/publisher.js';
import { pushToApplier, type PushOptions, type PushTarget } from '../cli/operator-publish.js';

/** A message id as Pub/Sub's look (decimal digits), unique enough for one stack. */
function newMessageId(now: Date): string {
  return String(now.getTime() * 1000 + randomInt(1000));
}

/** The decider's publisher in direct-push mode. */
export function directPushPublisher(target: PushTarget, options: PushOptions = {}): DecisionPublisher {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    publish(decision: DecisionMessage): Promise<string> {
      const encoded = encodeDecision(decision);
      const sent = queue.then(async () => {
        const now = new Date();
        const messageId = newMessageId(now);
        await pushToApplier(
          target,
          {
            data: encoded.data.toString('utf8'),
            attributes: encoded.attributes,
            orderingKey: encoded.orderingKey,
            messageId,
            publishTime: now.toISOString(),
          },
          options,
        );
        return messageId;
      });
      queue = sent.catch(() => undefined);
      return sent;
    },
    async close() {
      await queue;
    },
  };
}
