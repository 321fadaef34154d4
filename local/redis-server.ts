import { startListening, type ListeningProcess } from './child-process.js';
import { freePort } from './ports.js';

/** A real `redis-server` on 127.0.0.1, owned by the caller (tests and the local stack). */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** The running server, while it runs. */
  readonly current: ListeningProcess | undefined;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop`). */
  start(): Promise<void>;
}

export interface RedisServerOptions {
  port?: number;
  /** Where redis-server's own output goes too. */
  logFile?: string;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  let current: ListeningProcess | undefined;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get current() {
      return current;
    },
    async start() {
      current = await startListening({
        name: 'redis-server',
        command: 'redis-server',
        args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        port,
        ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
        installHint: 'install it: apt-get install redis-server',
        readyTimeoutMs: 10_000,
        stopTimeoutMs: 5000,
      });
    },
    async stop() {
      const running = current;
      current = undefined;
      await running?.stop();
    },
  };
  await server.start();
  return server;
}
