/**
 * `npm start`: the String Hashr application on one machine with real parts — redis-server, one worker and
 * the frontend on :8080. Logs and state go to `.spillway/`; Ctrl-C stops every process it started.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPortFree } from './ports.js';
import { startRedisServer } from './redis-server.js';
import { startService } from './service-process.js';
import { createSupervisor } from './supervisor.js';

const logDir = join(fileURLToPath(new URL('../', import.meta.url)), '.spillway', 'logs');
mkdirSync(logDir, { recursive: true });

const frontendPort = Number(process.env['FRONTEND_PORT'] ?? 8080);
if (!Number.isInteger(frontendPort) || frontendPort < 1 || frontendPort > 65535) {
  console.error(`FRONTEND_PORT must be a port number (got ${JSON.stringify(process.env['FRONTEND_PORT'])})`);
  process.exit(2);
}
if (!(await isPortFree(frontendPort))) {
  console.error(
    `Port ${frontendPort} is in use. Stop what listens there, or choose another: FRONTEND_PORT=8090 npm start`,
  );
  process.exit(1);
}

const supervisor = createSupervisor();
let shuttingDown = false;

async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    console.log('\nStopping the local stack…');
    await supervisor.stopAll();
    console.log('Stopped.');
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
supervisor.onUnexpectedExit((name, code, logFile) => {
  console.error(`${name} exited unexpectedly (code ${String(code)}); see ${logFile}`);
  void shutdown(1);
});

/** Starts a service as its own process, logging to .spillway/logs/<name>.log, as a part of the stack. */
async function startPart(name: string, file: string, env: Record<string, string>) {
  const logFile = join(logDir, `${name}.log`);
  const part = await startService(file, env, { logFile, readyTimeoutMs: 60_000 });
  supervisor.add(name, part, logFile);
  return part;
}

try {
  const redisLog = join(logDir, 'redis.log');
  const redis = await startRedisServer({ logFile: redisLog });
  if (redis.current) supervisor.add('redis-server', redis.current, redisLog);

  const worker = await startPart('worker', 'services/worker/server.ts', {
    REDIS_URL: redis.url,
    CLUSTER_NAME: 'primary',
  });
  await startPart('frontend', 'services/frontend/server.ts', {
    PORT: String(frontendPort),
    HOST: '0.0.0.0',
    REDIS_URL: redis.url,
    PROCESSOR_URL: worker.url,
  });

  console.log(
    [
      '',
      'Spillway local stack is up.',
      '',
      `  String Hashr page   http://localhost:${frontendPort}`,
      `  worker              ${worker.url}  (metrics: /metrics)`,
      `  redis               ${redis.url}`,
      `  logs                ${logDir}/`,
      '',
      `Set a rate from the page, or: curl -X POST -H 'content-type: application/json' -d '{"rps":20}' http://localhost:${frontendPort}/api/rate`,
      'Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  await shutdown(1);
}
