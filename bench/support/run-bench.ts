import { fileURLToPath } from 'node:url';
import { runToExit, type ProgramRun } from '../../local/test-support/run-to-exit.js';
import { childEnv } from '../../local/child-env.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `bench/<script>` as its own process (as `npm run bench:*` does) and collects its output. */
export function runBench(
  script: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<ProgramRun> {
  return runToExit(process.execPath, ['--import', 'tsx', `bench/${script}`, ...args], childEnv(env), ROOT);
}
