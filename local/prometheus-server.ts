import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startListening, type ListeningProcess } from './child-process.js';
import { freePort } from './ports.js';

/** One thing Prometheus scrapes: `127.0.0.1:port` at `metricsPath`. */
export interface ScrapeTarget {
  job: string;
  port: number;
  metricsPath?: string;
}

export interface PrometheusOptions {
  targets: readonly ScrapeTarget[];
  /** Scrape (and rule evaluation) interval; the local stack uses 1 s. */
  scrapeIntervalSeconds?: number;
  port?: number;
  /** Where the TSDB and the generated config live; a fresh temporary folder (removed on stop) by default. */
  dataDir?: string;
  logFile?: string;
}

/** A real Prometheus (Debian's `prometheus` package) on 127.0.0.1, owned by the caller. */
export interface PrometheusServer {
  readonly port: number;
  readonly url: string;
  readonly process: ListeningProcess;
  stop(): Promise<void>;
}

export function prometheusConfig(targets: readonly ScrapeTarget[], intervalSeconds: number): string {
  return stringify({
    global: { scrape_interval: `${intervalSeconds}s`, evaluation_interval: `${intervalSeconds}s` },
    scrape_configs: targets.map((target) => ({
      job_name: target.job,
      metrics_path: target.metricsPath ?? '/metrics',
      static_configs: [{ targets: [`127.0.0.1:${target.port}`] }],
    })),
  });
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const port = options.port ?? (await freePort());
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'spillway-prometheus-'));
  const configFile = join(dataDir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(options.targets, options.scrapeIntervalSeconds ?? 1));
  const child = await startListening({
    name: 'prometheus',
    command: 'prometheus',
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dataDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1d',
      '--log.level=warn',
    ],
    port,
    ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
    installHint: 'install it: apt-get install prometheus',
    readyTimeoutMs: 30_000,
    stopTimeoutMs: 10_000,
  });
  // The port opens before the TSDB and the query engine are up: wait for /-/ready as well.
  try {
    await waitUntilReady(`http://127.0.0.1:${port}/-/ready`, 30_000);
  } catch (err) {
    await child.stop();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`prometheus ${(err as Error).message}; its output:\n${child.output()}`, { cause: err });
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    process: child,
    async stop() {
      await child.stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    await answer?.body?.cancel();
    if (answer?.ok === true) return;
    if (Date.now() > deadline) throw new Error(`was not ready within ${timeoutMs} ms (${url})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
