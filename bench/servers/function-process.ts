/**
 * A function as Cloud Run starts it, for the function benches: `functions-framework --target=NAME` on the
 * BUILT code (dist/functions/index.js, what the deployment runs), as its own Node process on a given port.
 * Times the spawn to the first accepted connection, keeps the function's JSON log lines with the moment
 * each arrived and its last output, and reads its resident memory.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FRAMEWORK_MAIN } from '../../functions/test-support/framework-process.js';
import { acceptsConnections } from '../../local/ports.js';
import { sleep } from '../../local/test-support/wait.js';
import { BUILT_ENTRY, ROOT } from '../support/built-code.js';

const OUTPUT_LIMIT = 64 * 1024;

/** One JSON log line of the function and performance.now() when this process read it. */
export interface LogLine {
  readonly at: number;
  // I/O boundary: whatever the function printed as JSON.
  readonly fields: Record<string, unknown>;
}

export interface FunctionProcess {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  /** performance.now() at spawn, and when the port first accepted a connection. */
  readonly spawnedAt: number;
  readonly listeningAt: number;
  /** The function's JSON log lines so far (stdout), in order. */
  logLines(): readonly LogLine[];
  /** Its last 64 KiB of output, for error messages. */
  output(): string;
  /** Resident memory (VmRSS) of the function's process, in MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

export interface FunctionOptions {
  /** What error messages call it: `the decider function`. */
  name: string;
  /** The exported function: `decide`, `apply`. */
  target: string;
  signatureType: 'http' | 'cloudevent';
  port: number;
  /** On top of the caller's environment (see baseEnvironment) and the production defaults. */
  env: Record<string, string>;
  readyTimeoutMs?: number;
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

/** The caller's environment without what would change a function's configuration or its Node. */
function baseEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^(SPILLWAY_|PROMETHEUS_|PUBSUB_)/.test(key) ||
      ['NODE_OPTIONS', 'NODE_TEST_CONTEXT', 'LOG_LEVEL', 'KUBECONFIG', 'PORT'].includes(key)
    )
      continue;
    env[key] = value;
  }
  return env;
}

/** Collects the child's output (the last OUTPUT_LIMIT characters) and its stdout's JSON log lines. */
function collectOutput(child: ChildProcess): { lines: LogLine[]; output: () => string } {
  let output = '';
  let partial = '';
  const lines: LogLine[] = [];
  const keep = (text: string): void => {
    output += text;
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const at = performance.now();
    keep(chunk);
    partial += chunk;
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) {
      try {
        const fields: unknown = JSON.parse(line);
        if (typeof fields === 'object' && fields !== null)
          lines.push({ at, fields: fields as Record<string, unknown> });
      } catch {
        // not a log line
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', keep);
  return { lines, output: () => output };
}

/**
 * Spawns the function on `port` with `env` on top of the caller's environment (minus NODE_OPTIONS,
 * KUBECONFIG, PORT and any SPILLWAY_*, PROMETHEUS_*, PUBSUB_* or LOG_LEVEL of the caller's shell) and
 * resolves once the port accepts a connection, polled every 2 ms. Rejects with its output when it exits
 * first or after `readyTimeoutMs` (default 60 s).
 */
export async function startFunctionProcess(options: FunctionOptions): Promise<FunctionProcess> {
  const { name, target, port, readyTimeoutMs = 60_000 } = options;
  const env: NodeJS.ProcessEnv = {
    ...baseEnvironment(),
    NODE_ENV: 'production',
    FUNCTION_TARGET: target,
    FUNCTION_SIGNATURE_TYPE: options.signatureType,
    METADATA_SERVER_DETECTION: 'none',
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [FRAMEWORK_MAIN, `--target=${target}`, `--source=${BUILT_ENTRY}`, `--port=${port}`],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const { lines, output } = collectOutput(child);
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
    if (await acceptsConnections(port)) break;
    if (failure !== undefined || exited || performance.now() > deadline) {
      await stop();
      const why =
        failure?.message ??
        (exited
          ? `exited with code ${String(child.exitCode)}`
          : `did not listen within ${readyTimeoutMs} ms`);
      throw new Error(`${name} ${why}; its output:\n${output()}`);
    }
    await sleep(2);
  }
  const listeningAt = performance.now();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} has no pid`);
  return {
    pid,
    port,
    url: `http://127.0.0.1:${port}/`,
    spawnedAt,
    listeningAt,
    logLines: () => lines,
    output,
    rssMiB: () => rssMiB(pid),
    stop,
  };
}
