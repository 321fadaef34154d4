/** A function run as Cloud Run runs it: the Functions Framework's own `main` on the TypeScript source. */
import { fileURLToPath } from 'node:url';
import { freePort } from '../../local/ports.js';
import { runToExit } from '../../local/test-support/run-to-exit.js';
import { childEnv } from '../../local/child-env.js';

export const FRAMEWORK_MAIN = fileURLToPath(
  new URL('../../node_modules/@google-cloud/functions-framework/build/src/main.js', import.meta.url),
);

export function frameworkArgs(source: string, port: number): string[] {
  return [FRAMEWORK_MAIN, `--source=${source}`, `--port=${port}`];
}

/** The environment of a function process serving `target`: this one's, without test-runner and shell leftovers. */
export function frameworkEnv(target: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = childEnv({
    NODE_OPTIONS: '--import tsx',
    FUNCTION_TARGET: target,
    METADATA_SERVER_DETECTION: 'none',
  });
  delete env['KUBECONFIG'];
  return { ...env, ...extra };
}

/** Starts the function with `extra` settings and waits for it to exit (a bad setting stops it at start-up). */
export async function runFunctionToExit(
  source: string,
  target: string,
  extra: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return runToExit(process.execPath, frameworkArgs(source, await freePort()), frameworkEnv(target, extra));
}
