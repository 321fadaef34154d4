/**
 * One measured message of `npm run bench:applier`: publish an auto decision that flips the weights, then
 * wait until the watch shows the write with the new weights and the applier has logged the delivery.
 * Nothing else is published meanwhile, so no delivery overlaps another measurement.
 */
import { sameWeights } from '../../core/weights.js';
import type { FunctionProcess, LogLine } from './function-process.js';
import { flipped, type ApplierBenchStack, type PublishedDecision } from './applier-stack.js';
import { lineOf } from './applier-tally.js';
import type { SeenWrite, VirtualServiceWatch } from './applier-watch.js';
import { until } from '../../local/test-support/wait.js';

/** How long a message may take to show on the watch and in the log before it counts as missing. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export interface Delivery {
  readonly published: PublishedDecision;
  /** The watch event of the write with the new weights; undefined when none came in time. */
  readonly write: SeenWrite | undefined;
  /** The applier's log line for the message; undefined when none came in time. */
  readonly line: LogLine | undefined;
}

export async function deliverOne(
  stack: ApplierBenchStack,
  watch: VirtualServiceWatch,
  fn: FunctionProcess,
  topic: string,
): Promise<Delivery> {
  const from = watch.writes().length;
  const failure = watch.failure();
  if (failure !== undefined) throw new Error(`the watch on the VirtualService failed: ${failure}`);
  const weights = flipped(watch.weights());
  const published = await stack.publishDecision(topic, weights);
  const write = await watch.next(
    from,
    (w) => w.weights !== undefined && sameWeights(w.weights, weights),
    DELIVERY_TIMEOUT_MS,
  );
  await until(() => lineOf(fn.logLines(), published.messageId) !== undefined, DELIVERY_TIMEOUT_MS, 2).catch(
    () => undefined,
  );
  return { published, write, line: lineOf(fn.logLines(), published.messageId) };
}
