/**
 * The whole burst loop on one machine (`npm start`, `npx spillway up`): every part on a free loopback port
 * (the page on its fixed one), logs and state in one folder, a stack file for `spillway status|override`,
 * and `stop()` that leaves no process behind. See docs/local.md.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { codelabQuery } from '../../functions/decider/config.js';
import type { ListeningProcess } from '../child-process.js';
import { freePort, isPortFree } from '../ports.js';
import { startPrometheus } from '../prometheus-server.js';
import { createTopic, findPubSubEmulator } from '../pubsub-emulator.js';
import { createPushSubscription, pushEndpointFor } from '../pubsub-emulator-admin.js';
import { startRedisServer } from '../redis-server.js';
import { startService } from '../service-process.js';
import { createSupervisor } from '../supervisor.js';
import { startInProcessDecider } from './in-process-decider.js';
import type { Stack, StackOptions } from './options.js';
import { startFunction, startSpillwayCommand, waitForOk } from './parts.js';
import { choosePubSub } from './pubsub-choice.js';
import { callDeciderOverHttp, startScheduler, type DeciderAnswer } from './scheduler.js';
import {
  readStackFile,
  removeStackFile,
  StackFileError,
  writeStackFile,
  type StackFile,
} from './stack-file.js';

export const LOCAL_PROJECT = 'spillway-local';
export const LOCAL_TOPIC = 'spillway-decisions';
export const LOCAL_SUBSCRIPTION = 'spillway-applier';
const NAMESPACE = 'default';
const VIRTUAL_SERVICE = 'worker-virtual-service';

function checkSeconds(name: string, value: number, integer: boolean): void {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(
      `${name} must be a positive ${integer ? 'whole ' : ''}number of seconds (got ${String(value)})`,
    );
  }
}

/** Refuses to start a second stack on the same folder while the first one runs. */
async function refuseIfRunning(dir: string): Promise<void> {
  try {
    const running = await readStackFile(dir);
    throw new Error(
      `a local stack is already running from ${dir} (pid ${String(running.pid)}, page ${running.frontend.url}); stop it first (Ctrl-C in its terminal, or kill ${String(running.pid)})`,
    );
  } catch (err) {
    if (!(err instanceof StackFileError)) throw err;
    await removeStackFile(dir); // none, or left over from a crash
  }
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const dir = resolve(options.dir);
  const logDir = join(dir, 'logs');
  const say = options.say ?? (() => undefined);
  const windowSeconds = options.rateWindowSeconds ?? 5;
  const scrapeSeconds = options.scrapeIntervalSeconds ?? 1;
  const everySeconds = options.decideEverySeconds ?? 1;
  checkSeconds('the rate window', windowSeconds, true);
  checkSeconds('the scrape interval', scrapeSeconds, true);
  checkSeconds('the decider interval', everySeconds, false);
  const requestedPort = options.frontendPort ?? 8080;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new Error(`the page's port must be from 0 to 65535 (got ${String(requestedPort)})`);
  }
  await refuseIfRunning(dir); // first: "already running" says more than "port 8080 is in use"
  if (requestedPort !== 0 && !(await isPortFree(requestedPort))) {
    throw new Error(
      `port ${String(requestedPort)} (the page) is in use: stop what listens there, or choose another, e.g. FRONTEND_PORT=8090 npm start`,
    );
  }
  // Asked for explicitly: a missing emulator stops the start before anything runs, with how to install it.
  if (options.pubsub === 'emulator') await findPubSubEmulator();
  await mkdir(logDir, { recursive: true });
  const logFile = (part: string): string => join(logDir, `${part}.log`);

  const supervisor = createSupervisor();
  let reportFailure: (failure: { part: string; code: number | null; logFile: string }) => void = () =>
    undefined;
  const failed = new Promise<{ part: string; code: number | null; logFile: string }>((report) => {
    reportFailure = report;
  });
  // While stopping (e.g. a terminal's Ctrl-C reached every process of the group), exits are expected.
  supervisor.onUnexpectedExit((part, code, file) => {
    if (stopping === undefined) reportFailure({ part, code, logFile: file });
  });
  let stopping: Promise<void> | undefined;
  const add = <P extends ListeningProcess>(name: string, part: P, stopPart?: () => Promise<void>): P => {
    // A part that finished starting after a sibling failed (Promise.all) is stopped at once.
    if (stopping !== undefined) void (stopPart ?? part.stop)();
    else supervisor.add(name, stopPart === undefined ? part : { ...part, stop: stopPart }, logFile(name));
    return part;
  };

  let stopScheduler: () => Promise<void> = () => Promise.resolve();
  let closeDecider: () => Promise<void> = () => Promise.resolve();
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await stopScheduler();
      await closeDecider();
      await supervisor.stopAll();
      await removeStackFile(dir);
    })();
    return stopping;
  };

  // The emulator's JVM takes ~10 s: it starts while the rest comes up.
  const pubsubChoice = choosePubSub(options.pubsub ?? 'auto', logFile('pubsub-emulator'));
  try {
    say('starting redis-server and the control plane…');
    const [redis, controlPlanePort] = await Promise.all([
      startRedisServer({ logFile: logFile('redis') }),
      freePort(),
    ]);
    if (redis.current) add('redis', redis.current, () => redis.stop());
    const controlPlaneDir = join(dir, 'control-plane');
    add(
      'control-plane',
      await startSpillwayCommand(
        'control-plane',
        ['control-plane', '--data-dir', controlPlaneDir, '--port', String(controlPlanePort)],
        controlPlanePort,
        logFile('control-plane'),
      ),
    );
    const kubeconfig = join(controlPlaneDir, 'kubeconfig');

    say('starting the workers (primary, burst) and the mesh…');
    const startWorker = async (name: string, cluster: string, prefix: string) =>
      add(
        name,
        await startService(
          'services/worker/server.ts',
          { REDIS_URL: redis.url, CLUSTER_NAME: cluster, PREFIX: prefix },
          { logFile: logFile(name), readyTimeoutMs: 60_000 },
        ),
      );
    const [primary, burst] = await Promise.all([
      startWorker('worker-primary', 'primary', ''),
      startWorker('worker-burst', 'burst', 'bursty-'),
    ]);
    const [meshPort, meshAdminPort] = [await freePort(), await freePort()];
    const endpoint = (url: string, cluster: string): string =>
      `${url.replace(/\/$/, '')},topology.istio.io/cluster=${cluster},app=worker,workload=worker-deployment`;
    add(
      'mesh',
      await startSpillwayCommand(
        'mesh',
        [
          'mesh',
          '--kubeconfig',
          kubeconfig,
          '--endpoint',
          endpoint(primary.url, 'primary'),
          '--endpoint',
          endpoint(burst.url, 'burst'),
          '--port',
          String(meshPort),
          '--admin-port',
          String(meshAdminPort),
        ],
        meshPort,
        logFile('mesh'),
      ),
    );
    const meshUrl = `http://127.0.0.1:${String(meshPort)}/`;
    const meshAdminUrl = `http://127.0.0.1:${String(meshAdminPort)}/`;
    await waitForOk(`${meshAdminUrl}healthz/ready`, 30_000, 'the mesh');

    say('starting the frontend, the applier and Prometheus…');
    const frontendPort = requestedPort === 0 ? await freePort() : requestedPort;
    const applierPort = await freePort();
    const [frontend] = await Promise.all([
      startService(
        'services/frontend/server.ts',
        {
          PORT: String(frontendPort),
          HOST: options.frontendHost ?? '0.0.0.0',
          REDIS_URL: redis.url,
          PROCESSOR_URL: meshUrl,
          ROUTING_KUBECONFIG: kubeconfig,
          ROUTING_NAMESPACE: NAMESPACE,
          ROUTING_VIRTUAL_SERVICE: VIRTUAL_SERVICE,
        },
        { logFile: logFile('frontend'), readyTimeoutMs: 60_000 },
      ).then((part) => add('frontend', part)),
      startFunction(
        'apply',
        applierPort,
        {
          SPILLWAY_KUBECONFIG: kubeconfig,
          SPILLWAY_VIRTUAL_SERVICES: `${NAMESPACE}/${VIRTUAL_SERVICE}`,
          LOG_LEVEL: 'info',
        },
        logFile('applier'),
      ).then((part) => add('applier', part)),
    ]);
    const applierUrl = `http://127.0.0.1:${String(applierPort)}/`;
    const prometheusDir = join(dir, 'prometheus');
    await rm(prometheusDir, { recursive: true, force: true }); // yesterday's samples would only mislead
    await mkdir(prometheusDir, { recursive: true });
    const prometheus = await startPrometheus({
      targets: [
        { job: 'mesh', port: meshAdminPort, metricsPath: '/stats/prometheus' },
        { job: 'worker-primary', port: primary.port },
        { job: 'worker-burst', port: burst.port },
        { job: 'frontend', port: frontend.port },
      ],
      scrapeIntervalSeconds: scrapeSeconds,
      dataDir: prometheusDir,
      logFile: logFile('prometheus'),
    });
    add('prometheus', prometheus.process, () => prometheus.stop());

    const query = codelabQuery(windowSeconds);
    const deciderEnv: Record<string, string> = {
      GOOGLE_CLOUD_PROJECT: LOCAL_PROJECT,
      SPILLWAY_TOPIC: LOCAL_TOPIC,
      PROMETHEUS_URL: prometheus.url,
      PROMETHEUS_QUERY: query,
      SPILLWAY_RUN_FOR: '0s',
      // After an override ends the policy's weights come back within 5 s even if the rate stays put.
      SPILLWAY_RESYNC_EVERY: '5s',
      LOG_LEVEL: 'info',
    };
    const subscriptionName = `projects/${LOCAL_PROJECT}/subscriptions/${LOCAL_SUBSCRIPTION}`;
    let pubsub: StackFile['pubsub'];
    let callDecider: () => Promise<DeciderAnswer>;
    let deciderUrl: string | undefined;

    const choice = await pubsubChoice;
    if (choice.emulator !== undefined) {
      const emulator = choice.emulator;
      add('pubsub-emulator', emulator.process, () => emulator.stop());
      await createTopic(emulator, LOCAL_TOPIC);
      await createPushSubscription(
        emulator,
        LOCAL_TOPIC,
        LOCAL_SUBSCRIPTION,
        pushEndpointFor(emulator, LOCAL_TOPIC, applierUrl),
        { ordered: true, ackDeadlineSeconds: 10, minimumBackoffSeconds: 1, maximumBackoffSeconds: 10 },
      );
      pubsub = {
        mode: 'emulator',
        emulatorHost: emulator.host,
        projectId: LOCAL_PROJECT,
        topic: LOCAL_TOPIC,
        subscription: LOCAL_SUBSCRIPTION,
      };
      say('starting the decider…');
      const deciderPort = await freePort();
      add(
        'decider',
        await startFunction(
          'decide',
          deciderPort,
          { ...deciderEnv, PUBSUB_EMULATOR_HOST: emulator.host },
          logFile('decider'),
        ),
      );
      deciderUrl = `http://127.0.0.1:${String(deciderPort)}/`;
      const url = deciderUrl;
      callDecider = () => callDeciderOverHttp(url, 30_000);
    } else {
      say(`no Pub/Sub emulator (${choice.reason}): decisions go to the applier as direct push requests`);
      const pushEndpoint = `${applierUrl}projects/${LOCAL_PROJECT}/topics/${LOCAL_TOPIC}`;
      pubsub = {
        mode: 'direct',
        pushEndpoint,
        projectId: LOCAL_PROJECT,
        topic: LOCAL_TOPIC,
        subscription: LOCAL_SUBSCRIPTION,
      };
      const decider = startInProcessDecider(deciderEnv, {
        endpoint: pushEndpoint,
        subscription: subscriptionName,
        logFile: logFile('decider'),
      });
      closeDecider = () => decider.close();
      callDecider = () => decider.call();
    }

    const schedulerLog = createWriteStream(logFile('scheduler'), { flags: 'a' });
    const scheduler = startScheduler({
      everyMs: everySeconds * 1000,
      call: callDecider,
      record: (line) => schedulerLog.write(`${JSON.stringify(line)}\n`),
    });
    stopScheduler = async () => {
      await scheduler.stop();
      await new Promise<void>((done) => schedulerLog.end(done));
    };

    const description: StackFile = {
      version: 1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      dir,
      logDir,
      frontend: { url: `http://127.0.0.1:${String(frontendPort)}/` },
      kubeconfig,
      namespace: NAMESPACE,
      virtualService: VIRTUAL_SERVICE,
      prometheus: { url: prometheus.url, scrapeIntervalSeconds: scrapeSeconds },
      pubsub,
      decider: {
        ...(deciderUrl === undefined ? {} : { url: deciderUrl }),
        everySeconds,
        rateWindowSeconds: windowSeconds,
        query,
      },
      applier: { url: applierUrl },
      mesh: { url: meshUrl, adminUrl: meshAdminUrl },
      workers: { primary: primary.url, burst: burst.url },
      redis: { url: redis.url },
    };
    await writeStackFile(dir, description);
    return { description, failed, stop };
  } catch (err) {
    await stop();
    await (await pubsubChoice.catch(() => undefined))?.emulator?.stop();
    throw err;
  }
}
