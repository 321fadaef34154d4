/**
 * `spillway up` (and `npm start`): the whole burst loop on one machine in the foreground; Ctrl-C stops every
 * process it started.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_STACK_DIR, type StackFile } from '../stack/stack-file.js';
import { startStack } from '../stack/start-stack.js';
import type { Stack } from '../stack/options.js';

export const USAGE = `usage: spillway up [options]      (npm start runs it with the defaults)

Starts the whole burst loop on this machine: redis-server, Prometheus, the Pub/Sub emulator, the local
control plane and mesh, two workers (primary, and burst with PREFIX=bursty-), the frontend, the decider
and the applier, and calls the decider as Cloud Scheduler would. Ctrl-C stops everything.

options:
  --dir DIR              folder of logs and state (default ${DEFAULT_STACK_DIR})
  --port N               the page's port (default 8080, or FRONTEND_PORT; 0 picks a free one)
  --rate-window SECONDS  the decider's PromQL rate window (default 5; the codelab used 15)
  --scrape-interval S    Prometheus's scrape interval (default 1)
  --decide-every S       how often the decider is called (default 1)
  --pubsub MODE          auto (default: the emulator when it is installed), emulator, or direct (no
                         emulator: decisions are POSTed to the applier as Pub/Sub push requests)
  -h, --help             this text`;

const usageError = (message: string): number => {
  process.stderr.write(`spillway up: ${message}\n\n${USAGE}\n`);
  return 2;
};

function positiveNumber(flag: string, text: string | undefined, fallback: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(
      `${flag} must be a positive ${integer ? 'whole ' : ''}number of seconds (got ${JSON.stringify(text)})`,
    );
  }
  return value;
}

function port(text: string | undefined, source: string): number {
  if (text === undefined) return 8080;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value > 65535) {
    throw new Error(`${source} must be a port number from 0 to 65535 (got ${JSON.stringify(text)})`);
  }
  return value;
}

export function summary(stack: StackFile): string {
  const kubectl = `kubectl --kubeconfig ${stack.kubeconfig}`;
  const pubsub =
    stack.pubsub.mode === 'emulator'
      ? `emulator ${stack.pubsub.emulatorHost}, topic ${stack.pubsub.topic} (project ${stack.pubsub.projectId}), ordered push to the applier`
      : `no emulator: decisions are POSTed to the applier (${stack.pubsub.pushEndpoint})`;
  return [
    '',
    'Spillway local stack is up: the whole burst loop on this machine.',
    '',
    `  String Hashr page   ${stack.frontend.url.replace('//127.0.0.1:', '//localhost:')}`,
    `  Prometheus          ${stack.prometheus.url}  (scrapes every ${String(stack.prometheus.scrapeIntervalSeconds)} s)`,
    `  kubeconfig          ${stack.kubeconfig}`,
    `  Pub/Sub             ${pubsub}`,
    `  decider             called every ${String(stack.decider.everySeconds)} s; rate window ${String(stack.decider.rateWindowSeconds)} s (the codelab used 15 s); above 15 req/s → burst, below 10 → primary`,
    `  logs and state      ${stack.logDir}/`,
    '',
    'Raise the frequency on the page to 20 and the hashes turn bursty-; lower it to 5 and they come back.',
    `  ${kubectl} get virtualservice ${stack.virtualService} -o yaml`,
    '  npx spillway status                                   weights, override, last decision',
    '  npx spillway override primary --ttl 10m --reason test take control (burst | primary | split:N)',
    '  npx spillway override auto                            give control back to the decider',
    '',
    'Press Ctrl-C to stop everything.',
    '',
  ].join('\n');
}

export async function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        dir: { type: 'string' },
        port: { type: 'string' },
        'rate-window': { type: 'string' },
        'scrape-interval': { type: 'string' },
        'decide-every': { type: 'string' },
        pubsub: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return usageError((err as Error).message);
  }
  if (values['help'] === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const text = (name: string): string | undefined =>
    typeof values[name] === 'string' ? (values[name] as string) : undefined;
  const mode = text('pubsub') ?? 'auto';
  if (mode !== 'auto' && mode !== 'emulator' && mode !== 'direct') {
    return usageError(`--pubsub must be auto, emulator or direct (got ${JSON.stringify(mode)})`);
  }
  let options;
  try {
    const portText = text('port') ?? env['FRONTEND_PORT'];
    options = {
      dir: text('dir') ?? DEFAULT_STACK_DIR,
      frontendPort: port(portText, text('port') === undefined ? 'FRONTEND_PORT' : '--port'),
      rateWindowSeconds: positiveNumber('--rate-window', text('rate-window'), 5, true),
      scrapeIntervalSeconds: positiveNumber('--scrape-interval', text('scrape-interval'), 1, true),
      decideEverySeconds: positiveNumber('--decide-every', text('decide-every'), 1, false),
      pubsub: mode,
      say: (line: string) => process.stdout.write(`${line}\n`),
    } as const;
  } catch (err) {
    return usageError((err as Error).message);
  }

  let stack: Stack | undefined;
  let stopping = false;
  const stopAndExit = (code: number, message?: string): void => {
    if (stopping) return;
    stopping = true;
    if (message !== undefined) process.stderr.write(`${message}\n`);
    process.stdout.write('\nStopping the local stack…\n');
    void (stack?.stop() ?? Promise.resolve()).then(() => {
      process.stdout.write('Stopped.\n');
      process.exit(code);
    });
  };
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals === 2) process.stderr.write('Stopping already; a third Ctrl-C kills every part at once.\n');
    if (signals >= 3) process.exit(130); // every child is SIGKILLed on exit
    stopAndExit(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    stack = await startStack(options);
  } catch (err) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (stopping) return 0;
    process.stderr.write(`spillway up: cannot start the local stack: ${(err as Error).message}\n`);
    return 1;
  }
  if (stopping) {
    await stack.stop();
    return 0;
  }
  process.stdout.write(summary(stack.description));
  void stack.failed.then(({ part, code, logFile }) =>
    stopAndExit(1, `${part} exited unexpectedly (code ${String(code)}); see ${logFile}`),
  );
  return new Promise<number>(() => undefined); // runs until a signal or a failure exits the process
}
