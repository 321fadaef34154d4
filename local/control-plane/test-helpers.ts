/**
 * Test helpers for the control plane: a control plane on a fresh temporary directory, kubectl pointed at it
 * (always with its kubeconfig and a fresh discovery cache, so caches of other ports never interfere), and a
 * small Kubernetes API client over fetch.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './index.js';

export const VsPath = '/apis/networking.istio.io/v1/namespaces/default/virtualservices';
export const DrPath = '/apis/networking.istio.io/v1/namespaces/default/destinationrules';
export const SeedVs = 'worker-virtual-service';
export const SeedDr = 'worker-destination-rule';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `spillway-${prefix}-`));
}

/** The JSON patch that sets the weights of the seed route's two destinations (primary, then burst). */
export function weightsPatch(primary: number, burst: number) {
  return [
    { op: 'replace', path: '/spec/http/0/route/0/weight', value: primary },
    { op: 'replace', path: '/spec/http/0/route/1/weight', value: burst },
  ];
}

export interface TestControlPlane extends ControlPlane {
  readonly dataDir: string;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

export async function startTestControlPlane(
  options: Partial<ControlPlaneOptions> = {},
): Promise<TestControlPlane> {
  const dataDir = options.dataDir ?? tempDir('cp');
  const controlPlane = await startControlPlane({ ...options, dataDir });
  return {
    ...controlPlane,
    dataDir,
    async dispose() {
      await controlPlane.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** kubectl with `--kubeconfig` and its own fresh `--cache-dir`. */
export class Kubectl {
  private readonly cacheDir = tempDir('kubectl-cache');
  constructor(private readonly kubeconfigPath: string) {}

  private args(args: readonly string[]): string[] {
    return ['--kubeconfig', this.kubeconfigPath, '--cache-dir', this.cacheDir, ...args];
  }

  run(args: readonly string[], input?: string): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = execFile('kubectl', this.args(args), { timeout: 30_000 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      });
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  /** Runs and insists on success; returns stdout. */
  async ok(args: readonly string[], input?: string): Promise<string> {
    const result = await this.run(args, input);
    if (result.code !== 0) {
      throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}${result.stdout}`);
    }
    return result.stdout;
  }

  /** A long-running kubectl (e.g. `get -w`); the caller kills it. */
  spawn(args: readonly string[]): ChildProcess {
    return spawn('kubectl', this.args(args), { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  dispose(): void {
    rmSync(this.cacheDir, { recursive: true, force: true });
  }
}

export interface ApiResponse {
  readonly status: number;
  readonly contentType: string;
  /** Parsed JSON body (undefined when the body is not JSON). */
  // Test I/O boundary: the body is whatever the server sent.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

/** One API request; `body` is sent as given when a string, as JSON otherwise. */
export async function api(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; contentType?: string; accept?: string } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  if (options.accept !== undefined) headers['accept'] = options.accept;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body };
}

/** Reads newline-delimited watch events from a streaming response until `stop` returns true or it ends. */
export async function readWatch(
  url: string,
  stop: (events: WatchEvent[]) => boolean,
  onOpen: () => Promise<void> | void = () => undefined,
  accept?: string,
): Promise<WatchEvent[]> {
  const controller = new AbortController();
  const response = await fetch(url, {
    signal: controller.signal,
    ...(accept === undefined ? {} : { headers: { accept } }),
  });
  if (response.body === null) throw new Error('no body');
  const events: WatchEvent[] = [];
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let opened = false;
  try {
    for (;;) {
      if (!opened) {
        opened = true;
        await onOpen();
      }
      const { value, done } = await reader.read();
      if (done) return events;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buffer.slice(0, newline)) as WatchEvent);
        buffer = buffer.slice(newline + 1);
      }
      if (stop(events)) return events;
    }
  } finally {
    controller.abort();
  }
}

export interface WatchEvent {
  readonly type: string;
  // Test I/O boundary: the event object is whatever the server sent.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly object: any;
}
