/**
 * `npm run bench:loadgen`: accuracy of the frontend's load generator. Starts a real redis-server, a worker
 * and the frontend (each its own process), asks the frontend for each rate in turn through its API and
 * measures, over BENCH_DURATION seconds (default 10) after a 1.5 s settle, the requests sent against the
 * requests asked (achieved / asked) and the share answered 2xx. See docs/bench.md.
 */
import { startRedisServer } from '../local/redis-server.js';
import { startService, type ServiceProcess } from '../local/service-process.js';
import { sleep } from '../local/test-support/wait.js';

const RATES = [1, 5, 20, 100, 500, 1000, 2000, 5000];
const SETTLE_MS = 1500;

interface Totals {
  sent: number;
  ok: number;
  error: number;
  dropped: number;
}

interface Row {
  asked: number;
  seconds: number;
  sent: number;
  achieved: number;
  ratio: number;
  okShare: number;
  dropped: number;
  errors: number;
}

async function totals(frontend: ServiceProcess): Promise<Totals> {
  const stats = (await (await fetch(frontend.url + 'api/stats')).json()) as { requests: { total: Totals } };
  return stats.requests.total;
}

async function setRate(frontend: ServiceProcess, rps: number): Promise<void> {
  const response = await fetch(frontend.url + 'api/rate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rps }),
  });
  if (response.status !== 200)
    throw new Error(`POST /api/rate ${rps}: ${response.status} ${await response.text()}`);
}

async function measure(frontend: ServiceProcess, rps: number, durationS: number): Promise<Row> {
  await setRate(frontend, rps);
  await sleep(SETTLE_MS);
  const start = await totals(frontend);
  const t0 = performance.now();
  await sleep(durationS * 1000);
  const end = await totals(frontend);
  const seconds = (performance.now() - t0) / 1000;
  await setRate(frontend, 0);
  await sleep(500);
  const sent = end.sent - start.sent;
  const done = end.ok - start.ok + (end.error - start.error);
  return {
    asked: rps,
    seconds,
    sent,
    achieved: sent / seconds,
    ratio: sent / (rps * seconds),
    okShare: done === 0 ? 0 : (end.ok - start.ok) / done,
    dropped: end.dropped - start.dropped,
    errors: end.error - start.error,
  };
}

function print(rows: Row[]): void {
  const head = 'asked req/s  achieved req/s  achieved/asked  ok share  dropped  errors';
  console.log(head);
  for (const r of rows) {
    console.log(
      [
        String(r.asked).padStart(11),
        r.achieved.toFixed(1).padStart(14),
        r.ratio.toFixed(4).padStart(14),
        (r.okShare * 100).toFixed(2).padStart(7) + '%',
        String(r.dropped).padStart(7),
        String(r.errors).padStart(6),
        Math.abs(r.ratio - 1) <= 0.02 ? '  within ±2 %' : '  OUTSIDE ±2 %',
      ].join('  '),
    );
  }
}

const durationS = Number(process.env['BENCH_DURATION'] ?? 10);
if (!Number.isInteger(durationS) || durationS < 1) {
  console.error(
    `BENCH_DURATION must be a whole number of seconds ≥ 1 (got ${process.env['BENCH_DURATION']})`,
  );
  process.exit(2);
}

const redis = await startRedisServer();
const started: ServiceProcess[] = [];
const stopAll = async () => {
  for (const s of started.reverse()) await s.stop();
  await redis.stop();
};
process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));

try {
  const worker = await startService('services/worker/server.ts', { REDIS_URL: redis.url, LOG_LEVEL: 'warn' });
  started.push(worker);
  const frontend = await startService('services/frontend/server.ts', {
    REDIS_URL: redis.url,
    PROCESSOR_URL: worker.url,
    LOG_LEVEL: 'warn',
  });
  started.push(frontend);
  console.log(`load generator accuracy, ${durationS} s per rate after a ${SETTLE_MS / 1000} s settle\n`);
  const rows: Row[] = [];
  for (const rps of RATES) rows.push(await measure(frontend, rps, durationS));
  print(rows);
} finally {
  await stopAll();
}
