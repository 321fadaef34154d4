/**
 * The decider as Cloud Run starts it, for `npm run bench:decider`: `functions-framework --target=decide`
 * on the BUILT code (dist/functions/index.js, what the deployment runs), as its own Node process. Times
 * the spawn to the first accepted connection, keeps the function's JSON log lines, reads its resident
 * memory, and answers each POST with its status, body and client-side duration.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../local/ports.js';
import { postOnce } from '../support/post-once.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What package.json's `main` names: the entry of every function, as deployed from the root. */
export const BUILT_ENTRY = join(ROOT, 'dist', 'functions', 'index.js');
const FRAMEWORK_MAIN = join(
  ROOT,
  'node_modules',
  '@google-cloud',
  'functions-framework',
  'build',
  'src',
  'main.js',
);
/** The folders `npm run build` compiles (tsconfig.build.json). */
const BUILT_FOLDERS = ['core', 'functions', 'services'];
const OUTPUT_LIMIT = 64 * 1024;

/** Source files (tests and test support excluded) whose build in dist/ is missing or older than them. */
export function staleBuildFiles(): string[] {
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'test-support' && entry.name !== 'public') walk(path);
      } else if (
        entry.name.endsWith('.ts') &&
        !entry.name.endsWith('.test.ts') &&
        !entry.name.endsWith('.d.ts')
      ) {
        const built = join(ROOT, 'dist', relative(ROOT, path).replace(/\.ts$/, '.js'));
        if (!existsSync(built) || statSync(built).mtimeMs < statSync(path).mtimeMs)
          stale.push(relative(ROOT, path));
      }
    }
  };
  for (const folder of BUILT_FOLDERS) walk(join(ROOT, folder));
  return stale;
}

/** Runs `npm run build`; rejects with its output when it fails. */
export function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'build'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (err) => reject(new Error(`cannot run npm run build: ${err.message}`)));
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm run build failed (exit ${String(code)}):\n${output}`)),
    );
  });
}

export interface CallAnswer {
  status: number;
  body: DeciderAnswer;
  /** performance.now() when the request was sent and when the whole answer had arrived. */
  sentAt: number;
  answeredAt: number;
}

/** The decider's answer (docs/decider.md), the fields the bench reads. */
export interface DeciderAnswer {
  decisions?: {
    target: string;
    tick: number;
    action: string;
    cause: string;
    id?: string;
    published?: boolean;
  }[];
  ticks?: number;
  error?: { code: string; message: string };
}

/** One POST / on a fresh connection, as Cloud Scheduler sends it. */
export async function post(url: string, timeoutMs = 30_000): Promise<CallAnswer> {
  const { status, text, sentAt, answeredAt } = await postOnce(url, { timeoutMs });
  let body: DeciderAnswer;
  try {
    body = JSON.parse(text) as DeciderAnswer;
  } catch {
    body = { error: { code: 'NOT_JSON', message: text.slice(0, 500) } };
  }
  return { status, body, sentAt, answeredAt };
}

export interface DeciderFunction {
  readonly pid: number;
  readonly url: string;
  /** performance.now() at spawn, and when the port first accepted a connection. */
  readonly spawnedAt: number;
  readonly listeningAt: number;
  /** The function's JSON log lines so far (stdout), parsed, in order. */
  logLines(): Record<string, unknown>[];
  /** Its last 64 KiB of output, for error messages. */
  output(): string;
  /** Resident memory (VmRSS) of the function's process, in MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

/** Resident memory of a process in MiB: /proc/PID/status VmRSS, else `ps -o rss=`. */
export function rssMiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match?.[1] !== undefined) return Number(match[1]) / 1024;
  } catch {
    // no /proc: ask ps
  }
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Spawns the function with `env` on top of this process's environment (minus NODE_OPTIONS and any
 * SPILLWAY_*, PROMETHEUS_* or LOG_LEVEL of the caller's shell) and resolves once its port accepts a
 * connection, polled every 2 ms. Rejects with its output when it exits first or after `readyTimeoutMs`.
 */
export async function startDeciderFunction(
  env: Record<string, string>,
  readyTimeoutMs = 60_000,
): Promise<DeciderFunction> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^(SPILLWAY_|PROMETHEUS_)/.test(key) ||
      ['NODE_OPTIONS', 'NODE_TEST_CONTEXT', 'LOG_LEVEL'].includes(key)
    )
      continue;
    childEnv[key] = value;
  }
  Object.assign(childEnv, {
    NODE_ENV: 'production',
    FUNCTION_TARGET: 'decide',
    FUNCTION_SIGNATURE_TYPE: 'http',
    METADATA_SERVER_DETECTION: 'none',
    LOG_LEVEL: 'info',
    ...env,
  });
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [FRAMEWORK_MAIN, '--target=decide', `--source=${BUILT_ENTRY}`, `--port=${port}`],
    { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let output = '';
  let partial = '';
  const lines: Record<string, unknown>[] = [];
  const keep = (text: string): void => {
    output += text;
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    keep(chunk);
    partial += chunk;
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', keep);
  let exited = false;
  const exit = new Promise<void>((done) => child.once('close', () => ((exited = true), done())));
  let failure: Error | undefined;
  child.once('error', (err) => (failure = err));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    }
    process.off('exit', killOnExit);
  };

  const deadline = spawnedAt + readyTimeoutMs;
  for (;;) {
    if (await accepts(port)) break;
    if (failure !== undefined || exited || performance.now() > deadline) {
      await stop();
      const why =
        failure?.message ??
        (exited
          ? `exited with code ${String(child.exitCode)}`
          : `did not listen within ${readyTimeoutMs} ms`);
      throw new Error(`the decider function ${why}; its output:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const listeningAt = performance.now();
  const pid = child.pid;
  if (pid === undefined) throw new Error('the decider function has no pid');
  return {
    pid,
    url: `http://127.0.0.1:${port}/`,
    spawnedAt,
    listeningAt,
    logLines: () => lines,
    output: () => output,
    rssMiB: () => rssMiB(pid),
    stop,
  };
}
