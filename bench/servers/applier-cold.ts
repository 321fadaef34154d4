/**
 * The cold starts of `npm run bench:applier`: BENCH_COLD_STARTS times, a new applier process on a new port
 * with its own topic and push subscription; once its port accepts a connection one decision is published,
 * and the start is timed from the spawn to the watch event of its write. The process's resident memory is
 * read once the write is seen and the delivery logged, then the process is stopped.
 */
import { freePort } from '../../local/ports.js';
import { deliverOne } from './applier-delivery.js';
import { startApplierFunction } from './applier-function.js';
import type { LogLine } from './function-process.js';
import type { ColdStartRun } from './applier-report.js';
import type { ApplierBenchStack } from './applier-stack.js';
import { latencyOf } from './applier-tally.js';
import type { VirtualServiceWatch } from './applier-watch.js';

export interface ColdStarts {
  runs: ColdStartRun[];
  /** The Pub/Sub message ids published, and every log line of the instances. */
  messageIds: string[];
  lines: LogLine[];
}

export async function measureColdStarts(
  stack: ApplierBenchStack,
  watch: VirtualServiceWatch,
  n: number,
  progress: (text: string) => void,
): Promise<ColdStarts> {
  const result: ColdStarts = { runs: [], messageIds: [], lines: [] };
  for (let i = 1; i <= n; i++) {
    const port = await freePort();
    const topic = `applier-cold-${i}`;
    await stack.pushTopic(topic, port);
    const fn = await startApplierFunction(port, stack.controlPlane.kubeconfigPath);
    try {
      const { published, write, line } = await deliverOne(stack, watch, fn, topic);
      result.messageIds.push(published.messageId);
      const rssAfterFirstMessageMiB = fn.rssMiB();
      if (write === undefined || line === undefined)
        progress(
          `cold start ${i}: message ${published.messageId} ${write === undefined ? 'not written' : 'not logged'} ` +
            `within the wait; its output:\n${fn.output()}`,
        );
      const run: ColdStartRun = {
        listenMs: fn.listeningAt - fn.spawnedAt,
        firstWriteMs: (write?.at ?? NaN) - fn.spawnedAt,
        firstLoggedMs: (line?.at ?? NaN) - fn.spawnedAt,
        publishToWriteMs: (write?.at ?? NaN) - published.sentAt,
        loggedLatencyMs: latencyOf(line),
        rssAfterFirstMessageMiB,
      };
      result.runs.push(run);
      progress(`cold start ${i}/${n}: first message written after ${run.firstWriteMs.toFixed(0)} ms`);
    } finally {
      await fn.stop();
      result.lines.push(...fn.logLines());
    }
  }
  return result;
}
