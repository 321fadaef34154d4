/**
 * The receiving end of the decider bench: @google-cloud/pubsub streaming-pull subscribers on the emulator's
 * pull subscriptions, which note when each decision arrives (performance.now()) and how many times, by the
 * decision's id. Every message is acknowledged at once; one that is not a valid decision is counted apart.
 */
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import { decodeDecision } from '../../core/decision/codec.js';

export interface Receipt {
  readonly subscription: string;
  /** performance.now() of every delivery of this decision. */
  readonly receivedAt: number[];
}

export interface DecisionReceiver {
  /** The first delivery of a decision, once it arrived. */
  receipt(id: string): Receipt | undefined;
  /** Resolves once every id arrived, or after `timeoutMs` (then some are missing: see `count`). */
  waitFor(ids: readonly string[], timeoutMs: number): Promise<void>;
  /** Of `ids` (expected on `subscription`): how many arrived once, more than once, not at all, and what else came. */
  count(
    subscription: string,
    ids: readonly string[],
  ): { receivedOnce: number; duplicates: number; missing: number; unexpected: number };
  /** Messages that were not valid decisions. */
  invalid(): number;
  close(): Promise<void>;
}

export function startDecisionReceiver(pubsub: PubSub, subscriptions: readonly string[]): DecisionReceiver {
  const receipts = new Map<string, { subscription: string; receivedAt: number[] }>();
  let invalid = 0;
  const waiters = new Set<() => void>();
  const open: Subscription[] = subscriptions.map((name) => {
    const subscription = pubsub.subscription(name, { flowControl: { maxMessages: 1000 } });
    subscription.on('message', (message: Message) => {
      const at = performance.now();
      message.ack();
      const decoded = decodeDecision(message.data, message.attributes);
      if (!decoded.ok) {
        invalid += 1;
        return;
      }
      const receipt = receipts.get(decoded.message.id);
      if (receipt === undefined) receipts.set(decoded.message.id, { subscription: name, receivedAt: [at] });
      else receipt.receivedAt.push(at);
      for (const wake of waiters) wake();
    });
    subscription.on('error', (err: Error) => {
      process.stderr.write(`subscriber ${name}: ${err.message}\n`);
    });
    return subscription;
  });

  return {
    receipt: (id) => receipts.get(id),
    async waitFor(ids, timeoutMs) {
      const done = (): boolean => ids.every((id) => receipts.has(id));
      if (done()) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, timeoutMs);
        function finish(): void {
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        }
        function check(): void {
          if (done()) finish();
        }
        waiters.add(check);
      });
    },
    count(subscription, ids) {
      const expected = new Set(ids);
      let receivedOnce = 0;
      let duplicates = 0;
      let unexpected = 0;
      for (const [id, receipt] of receipts) {
        if (receipt.subscription !== subscription) continue;
        if (!expected.has(id)) unexpected += receipt.receivedAt.length;
        else if (receipt.receivedAt.length === 1) receivedOnce += 1;
        else duplicates += 1;
      }
      return { receivedOnce, duplicates, missing: ids.length - receivedOnce - duplicates, unexpected };
    },
    invalid: () => invalid,
    async close() {
      await Promise.all(open.map((s) => s.close()));
    },
  };
}
