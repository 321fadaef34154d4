/**
 * Follows one VirtualService through the Kubernetes API, as an informer does: list it (by name, with a
 * field selector: the frontend's RBAC names the object, so an unfiltered list is forbidden), then watch from
 * the list's resourceVersion.
 *   - A watch that ends (the server's or client-node's timeout) is resumed from the last resourceVersion.
 *   - 410 Gone (that resourceVersion is too old) lists again.
 *   - The API unreachable or failing: the last known object is kept and marked stale with the time it was
 *     lost; the watch is resumed after a back-off (the server replays what changed meanwhile, or answers
 *     410 and it lists again), until the API is back.
 *   - The object deleted: null (the panel says "not found"); created again: followed again.
 * Timers are unref'd; `stop()` ends the watch.
 */
import { ApiException, CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { VirtualServices } from '../../core/istio.js';
import { isRecord } from '../../core/json.js';
import type { Logger } from '../../core/logger.js';
import { ApiState, type RoutingSnapshot, type RoutingTarget } from './routing-view.js';

/** Milliseconds to wait before the `attempt`-th retry (0 for the first). */
export type Backoff = (attempt: number) => number;

/** 250 ms, doubling, at most 10 s: a restarted API is followed within seconds. */
export const defaultBackoff: Backoff = (attempt) => Math.min(250 * 2 ** attempt, 10_000);

/** A watch that ran this long was healthy: the next failure starts the back-off over. */
const HEALTHY_WATCH_MS = 10_000;

export interface RoutingWatchOptions {
  readonly kubeConfig: KubeConfig;
  readonly target: RoutingTarget;
  readonly logger: Logger;
  readonly backoff?: Backoff;
  /** The clock (ms since the epoch). */
  readonly now?: () => number;
}

/** A Kubernetes API error as a person reads it: the status and the server's message, or the network error. */
export function describeKubeError(err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = typeof err.body === 'string' ? safeJson(err.body) : err.body;
    const message = isRecord(body) && typeof body['message'] === 'string' ? `: ${body['message']}` : '';
    return `the Kubernetes API answered ${String(err.code)}${message}`;
  }
  if (err instanceof Error) {
    const status = (err as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number') return `the Kubernetes API answered ${status} ${err.message}`;
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A watch ERROR event's Status object, as a person reads it. */
function describeStatus(status: unknown): string {
  if (!isRecord(status)) return 'the watch failed';
  const code = typeof status['code'] === 'number' ? ` ${String(status['code'])}` : '';
  const message = typeof status['message'] === 'string' ? `: ${status['message']}` : '';
  return `the watch failed${code}${message}`;
}

function statusCodeOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const code = isRecord(err) ? err['statusCode'] : undefined;
  return typeof code === 'number' ? code : undefined;
}

const resourceVersionOf = (object: unknown): string | undefined => {
  const metadata = isRecord(object) ? object['metadata'] : undefined;
  const rv = isRecord(metadata) ? metadata['resourceVersion'] : undefined;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
};

export class RoutingWatch {
  readonly #options: RoutingWatchOptions;
  readonly #backoff: Backoff;
  readonly #now: () => number;
  readonly #api: CustomObjectsApi;
  readonly #watcher: Watch;
  readonly #path: string;
  readonly #fieldSelector: string;
  #snapshot: RoutingSnapshot = { api: ApiState.Connecting, object: undefined };
  /** Where a watch resumes; undefined: list first. */
  #resourceVersion: string | undefined;
  #attempt = 0;
  /** Each list or watch started gets a new generation; callbacks of older ones are ignored. */
  #generation = 0;
  #request: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #onChange: () => void = () => undefined;

  constructor(options: RoutingWatchOptions) {
    this.#options = options;
    this.#backoff = options.backoff ?? defaultBackoff;
    this.#now = options.now ?? Date.now;
    this.#api = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.#watcher = new Watch(options.kubeConfig);
    const { group, version, plural } = VirtualServices;
    this.#path = `/apis/${group}/${version}/namespaces/${encodeURIComponent(options.target.namespace)}/${plural}`;
    this.#fieldSelector = `metadata.name=${options.target.virtualService}`;
  }

  snapshot(): RoutingSnapshot {
    return this.#snapshot;
  }

  /** Lists, then watches; `onChange` is called after every change of `snapshot()`. */
  start(onChange: () => void = () => undefined): void {
    this.#onChange = onChange;
    this.#stopped = false;
    void this.#list();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#generation++;
    clearTimeout(this.#timer);
    this.#request?.abort();
    this.#request = undefined;
  }

  #set(snapshot: RoutingSnapshot): void {
    this.#snapshot = snapshot;
    this.#onChange();
  }

  /** The object is known as of now: the API answers. */
  #fresh(object: unknown): void {
    const { logger, target } = this.#options;
    if (this.#snapshot.api !== ApiState.Live)
      logger.info({ ...target, was: this.#snapshot.api }, 'routing: watching the VirtualService');
    this.#set({ api: ApiState.Live, object });
  }

  #isCurrent(generation: number): boolean {
    return generation === this.#generation && !this.#stopped;
  }

  async #list(): Promise<void> {
    const generation = ++this.#generation;
    const { group, version, plural } = VirtualServices;
    let result: unknown;
    try {
      result = await this.#api.listNamespacedCustomObject({
        group,
        version,
        namespace: this.#options.target.namespace,
        plural,
        fieldSelector: this.#fieldSelector,
      });
    } catch (err) {
      if (this.#isCurrent(generation)) this.#failed(err);
      return;
    }
    if (!this.#isCurrent(generation)) return;
    const items = isRecord(result) && Array.isArray(result['items']) ? (result['items'] as unknown[]) : [];
    this.#resourceVersion = resourceVersionOf(result);
    this.#fresh(items.find((item) => this.#isTarget(item)) ?? null);
    await this.#watch();
  }

  #isTarget(object: unknown): boolean {
    const metadata = isRecord(object) ? object['metadata'] : undefined;
    return isRecord(metadata) && metadata['name'] === this.#options.target.virtualService;
  }

  async #watch(): Promise<void> {
    const generation = ++this.#generation;
    const startedAt = this.#now();
    let gone = false;
    let failure: string | undefined;
    let ended = false;
    /** The server answered 200: the watch runs (until then a timeout is a failure to connect). */
    let connected = false;
    const onEvent = (type: string, object: unknown): void => {
      if (!this.#isCurrent(generation)) return;
      if (type === 'ERROR') {
        if (isRecord(object) && object['code'] === 410) gone = true;
        else failure = describeStatus(object);
        return;
      }
      this.#resourceVersion = resourceVersionOf(object) ?? this.#resourceVersion;
      if (type === 'BOOKMARK' || !this.#isTarget(object)) return;
      if (type === 'ADDED' || type === 'MODIFIED') this.#fresh(object);
      else if (type === 'DELETED') this.#fresh(null);
    };
    const onDone = (err: unknown): void => {
      if (ended) return;
      ended = true;
      if (!this.#isCurrent(generation)) return;
      this.#request = undefined;
      const healthy = this.#now() - startedAt >= HEALTHY_WATCH_MS;
      if (healthy) this.#attempt = 0;
      if (gone || statusCodeOf(err) === 410) {
        this.#options.logger.debug(
          this.#options.target,
          'routing: resourceVersion expired (410); listing again',
        );
        this.#resourceVersion = undefined;
        void this.#list();
        return;
      }
      // client-node ends a watch silent for 30 s with a TimeoutError: a normal end once connected.
      const timedOut = connected && err instanceof Error && err.name === 'TimeoutError';
      if (failure !== undefined || (err !== null && err !== undefined && !timedOut)) {
        this.#failed(failure ?? err);
        return;
      }
      // Ended normally: resume from the last resourceVersion; one that ended at once waits a little first.
      if (healthy) void this.#resume();
      else this.#schedule(this.#backoff(this.#attempt++));
    };
    try {
      const request = await this.#watcher.watch(
        this.#path,
        {
          fieldSelector: this.#fieldSelector,
          resourceVersion: this.#resourceVersion,
          allowWatchBookmarks: true,
        },
        onEvent,
        onDone,
      );
      if (ended || !this.#isCurrent(generation)) {
        request.abort();
        return;
      }
      this.#request = request;
      connected = true;
      // Connected from a known resourceVersion: the server sends whatever changed since.
      if (this.#snapshot.api !== ApiState.Live) this.#fresh(this.#snapshot.object);
    } catch (err) {
      onDone(err);
    }
  }

  /** The API could not be reached or failed: keep the last known object, mark it stale, retry later. */
  #failed(err: unknown): void {
    const error = typeof err === 'string' ? err : describeKubeError(err);
    const previous = this.#snapshot;
    const now = this.#now();
    const since = previous.api === ApiState.Live ? now : (previous.since ?? now);
    const api = previous.object === undefined ? ApiState.Connecting : ApiState.Stale;
    const delayMs = this.#backoff(this.#attempt++);
    const fields = { ...this.#options.target, err: error, retryInMs: delayMs };
    if (previous.api === ApiState.Live)
      this.#options.logger.warn(fields, 'routing: Kubernetes API lost; the page shows the last known state');
    else if (previous.error === undefined)
      this.#options.logger.warn(fields, 'routing: cannot reach the Kubernetes API; retrying');
    else this.#options.logger.debug(fields, 'routing: Kubernetes API still not reachable');
    this.#set({ api, object: previous.object, since, error });
    this.#schedule(delayMs);
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#resume(), delayMs);
    this.#timer.unref();
  }

  /** Watch again from the last resourceVersion; without one, list first. */
  async #resume(): Promise<void> {
    if (this.#stopped) return;
    if (this.#resourceVersion === undefined) await this.#list();
    else await this.#watch();
  }
}
