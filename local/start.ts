/**
 * `npm start`: the String Hashr application on one machine with real parts — redis-server, one worker and
 * the frontend on :8080. Logs and state go to `.spillway/`; Ctrl-C stops every process it started.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { createSupervisor } from './supervisor.js';
import { isPortFree } from './port-check.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const stateDir = join(root, '.spillway');
const logDir = join(stateDir, 'logs');
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

const supervisor = createSupervisor(root);
const node = (file: string) => [process.execPath, ['--import', 'tsx', file]] as const;
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

try {
  const redisPort = await freePort();
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  await supervisor.start({
    name: 'redis-server',
    command: 'redis-server',
    args: ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    logFile: join(logDir, 'redis.log'),
    port: redisPort,
  });

  const workerPort = await freePort();
  const [command, args] = node('services/worker/server.ts');
  await supervisor.start({
    name: 'worker',
    command,
    args: [...args],
    env: { PORT: String(workerPort), HOST: '127.0.0.1', REDIS_URL: redisUrl, CLUSTER_NAME: 'primary' },
    logFile: join(logDir, 'worker.log'),
    port: workerPort,
  });

  const [fCommand, fArgs] = node('services/frontend/server.ts');
  await supervisor.start({
    name: 'frontend',
    command: fCommand,
    args: [...fArgs],
    env: {
      PORT: String(frontendPort),
      REDIS_URL: redisUrl,
      PROCESSOR_URL: `http://127.0.0.1:${workerPort}/`,
    },
    logFile: join(logDir, 'frontend.log'),
    port: frontendPort,
  });

  console.log(
    [
      '',
      'Spillway local stack is up.',
      '',
      `  String Hashr page   http://localhost:${frontendPort}`,
      `  worker              http://127.0.0.1:${workerPort}/  (metrics: /metrics)`,
      `  redis               ${redisUrl}`,
      `  logs                ${logDir}/`,
      '',
      `Set a rate from the page, or: curl -X POST -H 'content-type: application/json' -d '{"rps":20}' http://localhost:${frontendPort}/api/rate`,
      'Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  if (err instanceof Error && /redis-server/.test(err.message) && /cannot run/.test(err.message)) {
    console.error('Install it with: apt-get install -y redis-server');
  }
  await shutdown(1);
}
