/**
 * The warm part of `npm run bench:applier`: one applier instance behind a push subscription, warmed up
 * with WARMUP_MESSAGES decisions, then BENCH_MESSAGES rounds. Each round publishes one decision that flips
 * the weights (and waits for its write and its log line), runs one bare get + patch on the baseline's copy
 * of the VirtualService, and hands one decision to the applier's code in this process (its own copy), in an
 * order that rotates every round, so that none always goes first.
 */
import { freePort } from '../../local/ports.js';
import { sleep } from '../../local/test-support/wait.js';
import { bareGetPatch } from './applier-bare.js';
import { deliverOne } from './applier-delivery.js';
import { startApplierFunction } from './applier-function.js';
import type { LogLine } from './function-process.js';
import { inProcessApplier } from './applier-in-process.js';
import { BARE_TARGET, flipped, IN_PROCESS_TARGET, type ApplierBenchStack } from './applier-stack.js';
import { latencyOf } from './applier-tally.js';
import type { VirtualServiceWatch } from './applier-watch.js';

export const WARMUP_MESSAGES = 3;
/** After the last message: a redelivery (1–2 s back-off after a failed answer) would show up here. */
const SETTLE_MS = 2500;

export interface WarmSamples {
  rssAfterWarmupMiB: number;
  rssAfterMessagesMiB: number;
  publishToWrite: number[];
  publishedToWrite: number[];
  publishToLogged: number[];
  publishCall: number[];
  loggedLatency: number[];
  bareGetPatch: number[];
  bareGet: number[];
  barePatch: number[];
  bareWrites: number;
  inProcessHandle: number[];
  inProcessApplied: number;
  warmupMessageIds: string[];
  messageIds: string[];
  /** How many writes the watch had seen before the warm-up, before the measured rounds, and after them. */
  writesAt: { start: number; measured: number; end: number };
  lines: readonly LogLine[];
}

export async function measureWarm(
  stack: ApplierBenchStack,
  watch: VirtualServiceWatch,
  messages: number,
  defer: (stop: () => Promise<unknown>) => void,
  progress: (text: string) => void,
): Promise<WarmSamples> {
  const port = await freePort();
  const topic = 'applier-warm';
  await stack.pushTopic(topic, port);
  const fn = await startApplierFunction(port, stack.controlPlane.kubeconfigPath);
  defer(() => fn.stop());
  const bare = bareGetPatch(stack.controlPlane.kubeconfigPath, BARE_TARGET);
  const inProcess = inProcessApplier(stack.controlPlane.kubeconfigPath);
  let inProcessWeights = flipped(undefined); // the seed sends everything to primary
  const s: WarmSamples = {
    rssAfterWarmupMiB: NaN,
    rssAfterMessagesMiB: NaN,
    ...{ publishToWrite: [], publishedToWrite: [], publishToLogged: [], publishCall: [], loggedLatency: [] },
    ...{
      bareGetPatch: [],
      bareGet: [],
      barePatch: [],
      bareWrites: 0,
      inProcessHandle: [],
      inProcessApplied: 0,
    },
    ...{ warmupMessageIds: [], messageIds: [], lines: [] },
    writesAt: { start: watch.writes().length, measured: NaN, end: NaN },
  };

  const message = async (measured: boolean): Promise<void> => {
    const { published, write, line } = await deliverOne(stack, watch, fn, topic);
    (measured ? s.messageIds : s.warmupMessageIds).push(published.messageId);
    if (write === undefined || line === undefined)
      progress(
        `message ${published.messageId}: ${write === undefined ? 'not written' : 'not logged'} within the wait`,
      );
    if (!measured) return;
    s.publishCall.push(published.publishedAt - published.sentAt);
    if (write !== undefined) {
      s.publishToWrite.push(write.at - published.sentAt);
      s.publishedToWrite.push(write.at - published.publishedAt);
    }
    if (line !== undefined) {
      s.publishToLogged.push(line.at - published.sentAt);
      s.loggedLatency.push(latencyOf(line));
    }
  };
  const baseline = async (): Promise<void> => {
    const round = await bare.round();
    s.bareGetPatch.push(round.totalMs);
    s.bareGet.push(round.getMs);
    s.barePatch.push(round.patchMs);
    if (round.wrote) s.bareWrites += 1;
  };
  const inProcessRound = async (measured: boolean): Promise<void> => {
    const round = await inProcess.apply(stack.decision(IN_PROCESS_TARGET, inProcessWeights));
    inProcessWeights = flipped(inProcessWeights);
    if (!measured) return;
    s.inProcessHandle.push(round.handleMs);
    if (round.applied) s.inProcessApplied += 1;
  };

  progress(`warm instance: ${WARMUP_MESSAGES} warm-up messages, then ${messages} measured rounds`);
  for (let i = 0; i < WARMUP_MESSAGES; i++) await message(false);
  // The baseline's client and the in-process applier warm up too (not counted).
  for (let i = 0; i < WARMUP_MESSAGES; i++) {
    await bare.round();
    await inProcessRound(false);
  }
  s.rssAfterWarmupMiB = fn.rssMiB();
  s.writesAt.measured = watch.writes().length;
  for (let i = 0; i < messages; i++) {
    const steps = [() => message(true), baseline, () => inProcessRound(true)];
    for (let k = 0; k < steps.length; k++) await steps[(i + k) % steps.length]?.();
    if ((i + 1) % 10 === 0 || i + 1 === messages) progress(`  ${i + 1}/${messages} messages`);
  }
  await sleep(SETTLE_MS);
  s.rssAfterMessagesMiB = fn.rssMiB();
  s.writesAt.end = watch.writes().length;
  s.lines = fn.logLines();
  await fn.stop();
  return s;
}
