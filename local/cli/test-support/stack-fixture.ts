/**
 * A stack file for the CLI's tests, as the runner writes it: this process as the runner (so it counts as
 * running), the real parts the test started, and loopback addresses nobody serves for the parts the
 * command under test does not use.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Target } from '../../../core/decision/message.js';
import { writeStackFile, type StackFile, type StackPubSub } from '../../stack/stack-file.js';

export function newStackDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `spillway-${prefix}-`));
}

export async function writeTestStackFile(
  dir: string,
  parts: { kubeconfig: string; target: Target; pubsub: StackPubSub; pid?: number },
): Promise<StackFile> {
  const stack: StackFile = {
    version: 1,
    pid: parts.pid ?? process.pid,
    startedAt: new Date().toISOString(),
    dir,
    logDir: join(dir, 'logs'),
    frontend: { url: 'http://127.0.0.1:9/' },
    kubeconfig: parts.kubeconfig,
    namespace: parts.target.namespace,
    virtualService: parts.target.virtualService,
    prometheus: { url: 'http://127.0.0.1:9/', scrapeIntervalSeconds: 1 },
    pubsub: parts.pubsub,
    decider: { everySeconds: 1, rateWindowSeconds: 5, query: 'vector(0)' },
    applier: { url: 'http://127.0.0.1:9/' },
    mesh: { url: 'http://127.0.0.1:9/', adminUrl: 'http://127.0.0.1:9/' },
    workers: { primary: 'http://127.0.0.1:9/', burst: 'http://127.0.0.1:9/' },
    redis: { url: 'redis://127.0.0.1:9' },
  };
  await writeStackFile(dir, stack);
  return stack;
}

/** What a subcommand wrote when run in process: an io for `run(args, io)` and its output. */
export function capturedIo(env: NodeJS.ProcessEnv = {}): {
  io: { stdout: (t: string) => void; stderr: (t: string) => void; env: NodeJS.ProcessEnv };
  out: () => string;
  err: () => string;
} {
  let out = '';
  let err = '';
  return {
    io: { stdout: (t) => (out += t), stderr: (t) => (err += t), env },
    out: () => out,
    err: () => err,
  };
}
