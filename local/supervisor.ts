import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { waitForPort } from './ports.js';

/** One program the local stack runs, its output appended to its own log file. */
export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  logFile: string;
  /** The stack waits until this loopback port accepts connections. */
  port: number;
}

export interface Supervisor {
  start(spec: ChildSpec): Promise<void>;
  /** SIGTERM to every child (in reverse start order), SIGKILL after `graceMs`; resolves when all exited. */
  stopAll(graceMs?: number): Promise<void>;
  /** Called once if a child exits while the stack is up. */
  onUnexpectedExit(listener: (name: string, code: number | null, logFile: string) => void): void;
}

export function createSupervisor(cwd: string): Supervisor {
  const children: { spec: ChildSpec; proc: ChildProcess; exited: Promise<void> }[] = [];
  let stopping = false;
  let listener: ((name: string, code: number | null, logFile: string) => void) | undefined;

  // Never leave a child behind, even if the runner itself is killed abruptly.
  process.once('exit', () => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  });

  return {
    async start(spec) {
      const log = createWriteStream(spec.logFile, { flags: 'a' });
      const proc = spawn(spec.command, spec.args, {
        cwd,
        env: { ...process.env, ...spec.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      proc.stdout?.pipe(log);
      proc.stderr?.pipe(log);
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      const failedToStart = new Promise<never>((_, reject) => {
        proc.once('error', (err) => reject(new Error(`cannot run ${spec.command}: ${err.message}`)));
        proc.once('exit', (code) =>
          reject(new Error(`${spec.name} exited with code ${String(code)} at start; see ${spec.logFile}`)),
        );
      });
      children.push({ spec, proc, exited });
      await Promise.race([waitForPort(spec.port, 60_000), failedToStart]);
      failedToStart.catch(() => undefined);
      proc.once('exit', (code) => {
        if (!stopping) listener?.(spec.name, code, spec.logFile);
      });
    },
    async stopAll(graceMs = 10_000) {
      stopping = true;
      for (const { proc, exited } of [...children].reverse()) {
        if (proc.exitCode !== null || proc.signalCode !== null) continue;
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
    },
    onUnexpectedExit(l) {
      listener = l;
    },
  };
}
