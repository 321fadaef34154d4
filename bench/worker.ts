/**
 * `npm run bench:worker`: throughput of the Spillway worker against a bare fastify hello-world (the
 * framework's ceiling) and a re-creation of the codelab's original Express worker (the baseline). Each
 * server runs in its own child process next to a real redis-server; autocannon drives them one after
 * another from this process. See docs/bench.md. `--json` prints one JSON object on stdout instead.
 */
import { startRedisServer } from '../local/redis-server.js';
import { startService } from '../local/service-process.js';
import { defer, runBenchProgram } from './support/cleanup.js';
import { BODY, CONNECTIONS, measureLoad, WARMUP_SECONDS, type LoadFigures } from './support/load.js';
import { postOnce } from './support/post-once.js';
import { fixed, table } from './support/report-table.js';
import { sleep } from '../local/test-support/wait.js';
import { HASH_PATTERN } from '../services/worker/hash.js';

const START_TIMEOUT_MS = 20_000;

export interface ServerFigures extends LoadFigures {
  server: string;
}

export interface Ratio {
  value: number;
  /** Absent for a ratio that is reported for information only. */
  target?: number;
  pass?: boolean;
}

/**
 * The codelab's own Express worker served about 4,600 req/s on this kind of 2-core machine; the worker's
 * target is 3.5× that. The re-created Express baseline here runs on current Node/Express/ioredis and is
 * several times faster than that figure, so the same-run target is the share of bare fastify (≥ 0.50).
 */
export const CODELAB_WORKER_RPS = 4600;

export interface BenchReport {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  servers: ServerFigures[];
  ratios: { workerToFastifyHello: Ratio; workerToExpressCodelab: Ratio; workerToCodelabFigure: Ratio };
}

interface ServerSpec {
  name: 'worker' | 'fastify-hello' | 'express-codelab';
  entry: string;
  env: Record<string, string>;
  /** Whether one answer's body shows the server works. */
  answers(body: unknown): boolean;
}

interface RunningServer {
  spec: ServerSpec;
  url: string;
}

const hasHash = (body: unknown, ok: (hash: string) => boolean): boolean =>
  typeof body === 'object' &&
  body !== null &&
  'hash' in body &&
  typeof body.hash === 'string' &&
  ok(body.hash);

function serverSpecs(redisUrl: string): ServerSpec[] {
  const redisEnv = { REDIS_URL: redisUrl, PREFIX: '' };
  return [
    {
      name: 'worker',
      entry: 'services/worker/server.ts',
      env: { ...redisEnv, LOG_LEVEL: 'warn' },
      answers: (body) => hasHash(body, (h) => HASH_PATTERN.test(h)),
    },
    {
      name: 'fastify-hello',
      entry: 'bench/servers/fastify-hello.ts',
      env: {},
      answers: (body) => hasHash(body, (h) => h === 'x'),
    },
    {
      name: 'express-codelab',
      entry: 'bench/servers/express-codelab-worker.ts',
      env: redisEnv,
      answers: (body) => hasHash(body, (h) => HASH_PATTERN.test(h)),
    },
  ];
}

// ---- starting the servers: each is stopped at the end, on error and on Ctrl-C (support/cleanup.ts) ----

/** One POST with the bench body; the answer's JSON, or its text when it is not JSON (for the message). */
async function postBench(url: string): Promise<{ status: number; body: unknown }> {
  const { status, text } = await postOnce(url, { json: BODY });
  try {
    return { status, body: JSON.parse(text) as unknown };
  } catch {
    return { status, body: text };
  }
}

/** Retries until one answer is a 200 the spec accepts (the worker answers 503 until Redis is ready). */
async function checkAnswers(spec: ServerSpec, url: string, deadline: number): Promise<void> {
  for (;;) {
    const { status, body } = await postBench(url);
    if (status === 200 && spec.answers(body)) return;
    if (Date.now() > deadline) {
      throw new Error(`${spec.name} answered ${status} ${JSON.stringify(body)} to POST /`);
    }
    await sleep(100);
  }
}

async function startServer(spec: ServerSpec): Promise<RunningServer> {
  // NODE_ENV=production and pipes, not a TTY: the services log JSON as in production.
  const service = await startService(
    spec.entry,
    { NODE_ENV: 'production', ...spec.env },
    { readyTimeoutMs: START_TIMEOUT_MS },
  );
  defer(() => service.stop());
  try {
    await checkAnswers(spec, service.url, Date.now() + START_TIMEOUT_MS);
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${service.output()}`, {
      cause: err,
    });
  }
  return { spec, url: service.url };
}

// ---- measuring and reporting ----

async function measure(server: RunningServer, seconds: number): Promise<ServerFigures> {
  const { figures } = await measureLoad(server.spec.name, server.url, seconds);
  return { server: server.spec.name, ...figures };
}

const rpsOf = (figures: ServerFigures[], name: string): number =>
  figures.find((f) => f.server === name)?.requestsPerSecond ?? NaN;

function ratio(value: number, target?: number): Ratio {
  return target === undefined ? { value } : { value, target, pass: value >= target };
}

function report(durationSeconds: number, servers: ServerFigures[]): BenchReport {
  return {
    durationSeconds,
    warmupSeconds: WARMUP_SECONDS,
    connections: CONNECTIONS,
    servers,
    ratios: {
      workerToFastifyHello: ratio(rpsOf(servers, 'worker') / rpsOf(servers, 'fastify-hello'), 0.5),
      workerToExpressCodelab: ratio(rpsOf(servers, 'worker') / rpsOf(servers, 'express-codelab')),
      workerToCodelabFigure: ratio(rpsOf(servers, 'worker') / CODELAB_WORKER_RPS, 3.5),
    },
  };
}

function formatTable(r: BenchReport): string {
  const ratioLine = (label: string, x: Ratio): string =>
    `${label.padEnd(34)}${fixed(x.value, 2).padStart(6)}  ` +
    (x.target === undefined
      ? '(information)'
      : `(target >= ${fixed(x.target, 2)})  ${x.pass ? 'PASS' : 'FAIL'}`);
  return [
    `${r.connections} connections, POST / with a 32-character str, ${r.durationSeconds} s each ` +
      `after a ${r.warmupSeconds} s warm-up`,
    '',
    ...table(
      ['server', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
      r.servers.map((s) => [
        s.server,
        fixed(s.requestsPerSecond, 1),
        fixed(s.p50Ms, 0),
        fixed(s.p99Ms, 0),
        String(s.non2xx),
        String(s.errors),
      ]),
    ),
    '',
    ratioLine('worker / fastify-hello', r.ratios.workerToFastifyHello),
    ratioLine('worker / express-codelab', r.ratios.workerToExpressCodelab),
    ratioLine(`worker / codelab's ${fixed(CODELAB_WORKER_RPS, 0)} req/s`, r.ratios.workerToCodelabFigure),
  ].join('\n');
}

function durationFromEnv(): number {
  const raw = process.env['BENCH_DURATION'] ?? '10';
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw new Error(`BENCH_DURATION must be a whole number of seconds >= 1 (got ${JSON.stringify(raw)})`);
  }
  return seconds;
}

async function main(): Promise<number> {
  const json = process.argv.includes('--json');
  const seconds = durationFromEnv();
  const redis = await startRedisServer();
  defer(() => redis.stop());
  const servers: RunningServer[] = [];
  for (const spec of serverSpecs(redis.url)) servers.push(await startServer(spec));
  const figures: ServerFigures[] = [];
  for (const server of servers) figures.push(await measure(server, seconds));

  const result = report(seconds, figures);
  process.stdout.write(json ? JSON.stringify(result) + '\n' : formatTable(result) + '\n');
  for (const s of figures.filter((f) => f.non2xx > 0 || f.errors > 0)) {
    process.stderr.write(`${s.server}: ${s.non2xx} non-2xx answers and ${s.errors} errors\n`);
  }
  const worker = figures.find((f) => f.server === 'worker');
  // Failures against the worker make its figure meaningless; a missed target is only reported.
  return worker && worker.non2xx === 0 && worker.errors === 0 ? 0 : 1;
}

await runBenchProgram('worker', main);
