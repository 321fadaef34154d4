/**
 * How the local stack runs its parts as processes: the `spillway` subcommands (control plane, mesh) and the
 * functions through the Functions Framework's own `main`, as Cloud Run runs them.
 */
import { fileURLToPath } from 'node:url';
import { childEnv } from '../child-env.js';
import { startListening, type ListeningProcess } from '../child-process.js';
import { frameworkArgs, frameworkEnv } from '../../functions/test-support/framework-process.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SPILLWAY_BIN = fileURLToPath(new URL('../../bin/spillway.mjs', import.meta.url));

/** `spillway <args>` as a child listening on `port`. */
export function startSpillwayCommand(
  name: string,
  args: readonly string[],
  port: number,
  logFile: string,
): Promise<ListeningProcess> {
  return startListening({
    name,
    command: process.execPath,
    args: [SPILLWAY_BIN, ...args],
    env: childEnv({ KUBECONFIG: undefined }),
    cwd: REPO_ROOT,
    port,
    logFile,
    readyTimeoutMs: 60_000,
  });
}

/** A function of functions/index.ts (the entry the build deploys) served by functions-framework on `port`. */
export function startFunction(
  target: 'decide' | 'apply',
  port: number,
  env: Record<string, string>,
  logFile: string,
): Promise<ListeningProcess> {
  return startListening({
    name: target === 'decide' ? 'decider' : 'applier',
    command: process.execPath,
    args: frameworkArgs('functions/index.ts', port),
    env: frameworkEnv(target, env),
    cwd: REPO_ROOT,
    port,
    logFile,
    readyTimeoutMs: 60_000,
  });
}

/** Polls `url` until it answers 200 (e.g. the mesh's /healthz/ready once it has a route table). */
export async function waitForOk(url: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const answer = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const text = await answer.text();
      if (answer.ok) return;
      last = `${String(answer.status)} ${text.trim().slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resume) => setTimeout(resume, 200));
  }
  throw new Error(`${what} was not ready within ${String(timeoutMs / 1000)} s (${url}: ${last})`);
}
