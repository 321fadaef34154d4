/**
 * Follows one kind of Istio object (VirtualServices or DestinationRules of a namespace) through the
 * Kubernetes API with client-node's list-then-watch informer. Every event is passed on at once. When the
 * watch fails (API down, 5xx, …) the informer is replaced by a fresh one after a back-off, which lists
 * again; until it has listed, the last objects seen stay in force, as Envoy keeps its last configuration.
 * An expired resourceVersion (410 Gone) makes client-node list again by itself.
 */
import {
  CustomObjectsApi,
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from '../../core/logger.js';
import { GROUP, VERSION } from './resources.js';

/** Milliseconds to wait before the `attempt`-th retry (0 for the first). */
export type Backoff = (attempt: number) => number;

/** 100 ms, doubling, at most 2 s: a restarted control plane is followed quickly. */
const defaultBackoff: Backoff = (attempt) => Math.min(100 * 2 ** attempt, 2000);

export interface ResourceWatchOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly plural: 'virtualservices' | 'destinationrules';
  /** Called after every change of `objects()`. */
  readonly onChange: () => void;
  /** Called when a failed watch is being restarted. */
  readonly onRestart?: (err: unknown) => void;
  readonly backoff?: Backoff;
  readonly logger: Logger;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code =
      (err as { code?: unknown; statusCode?: unknown }).statusCode ?? (err as { code?: unknown }).code;
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${code === undefined ? '' : ` (${String(code)})`}${cause}`;
  }
  return String(err);
}

export class ResourceWatch {
  readonly #options: ResourceWatchOptions;
  readonly #backoff: Backoff;
  readonly #api: CustomObjectsApi;
  readonly #path: string;
  #informer: ListWatch<KubernetesObject> | undefined;
  #objects: readonly KubernetesObject[] | undefined;
  #attempt = 0;
  /** When the current informer last listed successfully. */
  #listedAt: number | undefined;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ResourceWatchOptions) {
    this.#options = options;
    this.#backoff = options.backoff ?? defaultBackoff;
    this.#api = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.#path = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(options.namespace)}/${options.plural}`;
  }

  /** The objects of the last successful list plus the events since; undefined until the first list. */
  objects(): readonly KubernetesObject[] | undefined {
    return this.#objects;
  }

  start(): void {
    this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#informer?.stop();
    this.#informer = undefined;
  }

  #run(): void {
    if (this.#stopped) return;
    const { namespace, plural, logger } = this.#options;
    let synced = false;
    let failed = false;
    const publish = (): void => {
      if (this.#informer !== informer || this.#stopped) return;
      this.#objects = Object.freeze(informer.list());
      this.#options.onChange();
    };
    // The table follows the list as soon as client-node has stored it (it does so synchronously once the
    // list resolves, so one macrotask later), without waiting for the watch request to be answered.
    const list = async () => {
      const result = (await this.#api.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural,
      })) as {
        items: KubernetesObject[];
        metadata?: { resourceVersion?: string };
      };
      setImmediate(() => {
        if (failed) return;
        if (!synced) logger.debug({ plural, namespace }, 'listed; watching');
        synced = true;
        this.#listedAt = performance.now();
        publish();
      });
      return result;
    };
    // Reconnects after a watch ends normally use the same back-off (client-node asks 1 s, 2 s, … 30 s).
    const delayFn = (ms: number) => sleep(this.#backoff(Math.max(0, Math.round(Math.log2(ms / 1000)))));
    const watch = new Watch(this.#options.kubeConfig);
    const informer = new ListWatch<KubernetesObject>(this.#path, watch, list, false, undefined, undefined, {
      delayFn,
    });
    this.#informer = informer;
    const changed = (): void => {
      if (synced) publish();
    };
    informer.on('add', changed);
    informer.on('update', changed);
    informer.on('delete', changed);
    const fail = (err: unknown): void => {
      failed = true;
      if (this.#informer === informer && !this.#stopped) this.#restart(informer, err);
    };
    informer.on('error', fail);
    informer.start().catch(fail);
  }

  #restart(informer: ListWatch<KubernetesObject>, err: unknown): void {
    // A watch that had run for a while starts the back-off over; one failing again at once backs off further.
    if (this.#listedAt !== undefined && performance.now() - this.#listedAt > 10_000) this.#attempt = 0;
    this.#listedAt = undefined;
    const delayMs = this.#backoff(this.#attempt++);
    this.#options.logger.warn(
      { plural: this.#options.plural, err: describe(err), retryInMs: delayMs },
      `watch of ${this.#options.plural} failed; listing again after a pause (the last objects seen stay in force)`,
    );
    this.#options.onRestart?.(err);
    void informer.stop();
    this.#timer = setTimeout(() => this.#run(), delayMs);
    this.#timer.unref();
  }
}
