/**
 * Runs one of Spillway's services (a TypeScript entry point such as services/worker/server.ts) as a real
 * child process for tests: `node --import tsx FILE` on 127.0.0.1 and a free port, resolved once the service
 * accepts connections. The caller owns the process and must `stop()` it (e.g. in an `after` hook).
 *
 *   const worker = await startService(new URL('../../services/worker/server.ts', import.meta.url), {
 *     REDIS_URL: redis.url,
 *   });
 *   // … worker.url is http://127.0.0.1:<port>/
 *   await worker.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from './ports.js';

export interface ServiceProcess {
  readonly port: number;
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly process: ChildProcess;
  /** The last 64 KiB the service wrote (stdout and stderr interleaved), for failure messages. */
  output(): string;
  /** SIGTERM, then waits for the exit; SIGKILL if it has not exited after `stopTimeoutMs`. Idempotent. */
  stop(): Promise<void>;
}

export interface ServiceProcessOptions {
  /** How long the service may take to accept connections (default 20 s). */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL (default 10 s). */
  stopTimeoutMs?: number;
}

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUTPUT_LIMIT = 64 * 1024;

/**
 * Starts `file` with the parent's environment plus `env`; `HOST` defaults to 127.0.0.1 and `PORT` to a free
 * port. Rejects, with the service's output, if it exits or does not listen in time (and kills it then).
 */
export async function startService(
  file: string | URL,
  env: Record<string, string> = {},
  options: ServiceProcessOptions = {},
): Promise<ServiceProcess> {
  const path = file instanceof URL ? fileURLToPath(file) : resolve(REPO_ROOT, file);
  const port = env['PORT'] !== undefined ? Number(env['PORT']) : await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', ...env, PORT: String(port) };
  delete childEnv['NODE_TEST_CONTEXT']; // set by `node --test`; the service is not a test file

  const child = spawn(process.execPath, ['--import', 'tsx', path], {
    cwd: REPO_ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
  // Never leave a service behind when the test process ends without calling stop().
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), options.stopTimeoutMs ?? 10_000);
        await exited;
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
    })();
    return stopping;
  };

  const name = path.slice(REPO_ROOT.length) || path;
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start ${name}: ${err.message}`)));
    void exited.then(() =>
      reject(
        new Error(
          `${name} exited (code ${String(child.exitCode)}, signal ${String(child.signalCode)}) before ` +
            `listening on port ${String(port)}; its output:\n${output}`,
        ),
      ),
    );
  });
  try {
    await Promise.race([waitForPort(port, options.readyTimeoutMs ?? 20_000), failed]);
  } catch (err) {
    await stop();
    if (err instanceof Error && !err.message.includes('its output')) {
      err.message += `; ${name}'s output:\n${output}`;
    }
    throw err;
  }
  failed.catch(() => undefined); // a later exit is the caller's business (see `process`)

  return { port, url: `http://127.0.0.1:${String(port)}/`, process: child, output: () => output, stop };
}
