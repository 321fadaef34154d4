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
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startListening, type ListeningProcess } from './child-process.js';
import { freePort } from './ports.js';
import { childEnv } from './child-env.js';

export interface ServiceProcess extends ListeningProcess {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
}

export interface ServiceProcessOptions {
  /** How long the service may take to accept connections (default 20 s). */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL (default 10 s). */
  stopTimeoutMs?: number;
  /** Also append the service's output to this file. */
  logFile?: string;
}

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

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
  const service = await startListening({
    name: path.slice(REPO_ROOT.length) || path,
    command: process.execPath,
    args: ['--import', 'tsx', path],
    env: childEnv({ HOST: '127.0.0.1', ...env, PORT: String(port) }),
    cwd: REPO_ROOT,
    port,
    ...options,
  });
  return { ...service, url: `http://127.0.0.1:${String(port)}/` };
}
