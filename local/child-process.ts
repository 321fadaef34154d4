import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { waitForPort } from './ports.js';

/** A program that serves on a loopback port: redis-server, a Spillway service… */
export interface ListeningSpec {
  /** For messages. */
  name: string;
  command: string;
  args: readonly string[];
  /** The child's whole environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Ready once something accepts connections on 127.0.0.1:port. */
  port: number;
  /** Also append the child's output to this file. */
  logFile?: string;
  /** Said when the command cannot be run at all (e.g. how to install it). */
  installHint?: string;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
}

export interface ListeningProcess {
  readonly port: number;
  readonly process: ChildProcess;
  /** Resolves when the child has exited, however. */
  readonly exited: Promise<void>;
  /** The last 64 KiB the child wrote (stdout and stderr interleaved), for failure messages. */
  output(): string;
  /** SIGTERM, then waits for the exit; SIGKILL after `stopTimeoutMs`. Idempotent. */
  stop(): Promise<void>;
}

const OUTPUT_LIMIT = 64 * 1024;

/** Every child still running: one `exit` hook kills them all, however many a stack starts. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a child and resolves once it listens. Rejects, with its output, if it cannot be run, exits or
 * does not listen in time (and kills it then). The child never outlives this process.
 */
export async function startListening(spec: ListeningSpec): Promise<ListeningProcess> {
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const log = spec.logFile === undefined ? undefined : createWriteStream(spec.logFile, { flags: 'a' });
  const keep = (chunk: Buffer): void => {
    log?.write(chunk);
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  const exited = new Promise<void>((done) => child.once('close', () => done()));
  void exited.then(() => log?.end());
  running.add(child);
  void exited.then(() => running.delete(child));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), spec.stopTimeoutMs ?? 10_000);
        await exited;
        clearTimeout(timer);
      }
    })();
    return stopping;
  };

  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) =>
      reject(
        new Error(
          `cannot run ${spec.command} (${err.message})${spec.installHint ? '; ' + spec.installHint : ''}`,
        ),
      ),
    );
    void exited.then(() =>
      reject(
        new Error(
          `${spec.name} exited (code ${String(child.exitCode)}, signal ${String(child.signalCode)}) before ` +
            `listening on port ${String(spec.port)}`,
        ),
      ),
    );
  });
  try {
    await Promise.race([waitForPort(spec.port, spec.readyTimeoutMs ?? 20_000), failed]);
  } catch (err) {
    await stop();
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(output ? `${reason}; ${spec.name}'s output:\n${output}` : reason, { cause: err });
  }
  failed.catch(() => undefined); // a later exit is the owner's business (see `exited`)
  return { port: spec.port, process: child, exited, output: () => output, stop };
}
