import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitForPort } from './ports.js';

/** A real `redis-server` on 127.0.0.1, owned by the caller (tests and the local stack). */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop`). */
  start(): Promise<void>;
}

export interface RedisServerOptions {
  port?: number;
  /** Where redis-server's own output goes; ignored when unset. */
  logFile?: string;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    if (options.logFile) args.push('--logfile', options.logFile);
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    child = proc;
    const failed = new Promise<never>((_, reject) => {
      proc.once('error', (err) =>
        reject(
          new Error(`cannot run redis-server (${err.message}); install it: apt-get install redis-server`),
        ),
      );
      proc.once('exit', (code) =>
        reject(new Error(`redis-server exited with code ${String(code)} at start`)),
      );
    });
    await Promise.race([waitForPort(port, 10_000), failed]);
    proc.removeAllListeners('exit');
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, stop };
}
