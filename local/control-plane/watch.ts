/**
 * Watches: a chunked HTTP response of newline-delimited JSON events (`ADDED`, `MODIFIED`, `DELETED`,
 * `BOOKMARK`, `ERROR`), with Kubernetes' start semantics:
 * - no `resourceVersion` (or "0"): an ADDED event for every existing object, then the changes;
 * - `resourceVersion=N`: the changes after N, replayed from the kept history, then the live ones; N older
 *   than the history → one ERROR event with a 410 Expired Status ("too old resource version"), and the end;
 * - `sendInitialEvents=true`: the existing objects, then a BOOKMARK annotated `k8s.io/initial-events-end`.
 * An object that stops (starts) matching a label selector is seen as DELETED (ADDED), as on a real server.
 */
import type { ServerResponse } from 'node:http';
import type { Json, KubeObject } from './objects.js';
import { labelsOf } from './objects.js';
import { GroupVersion, type ResourceType } from './resources.js';
import type { FieldSelector, Selector } from './selectors.js';
import { ApiError, resourceExpired, type KubeStatus } from './status.js';
import type { Change, ChangeType, ObjectStore } from './store.js';
import { toTable, type TableOptions } from './table.js';

export interface WatchSpec {
  readonly type: ResourceType;
  /** Undefined: all namespaces. */
  readonly namespace: string | undefined;
  readonly labels: Selector;
  readonly fields: FieldSelector;
  /** As sent; '' when absent. */
  readonly resourceVersion: string;
  readonly sendInitialEvents: boolean;
  readonly allowBookmarks: boolean;
  /** Ends the watch after this long (`timeoutSeconds`). */
  readonly timeoutMs: number | undefined;
  /** Encode each object as a one-row Table (kubectl get -w). */
  readonly table: TableOptions | undefined;
  readonly bookmarkIntervalMs: number;
}

type EventType = ChangeType | 'BOOKMARK' | 'ERROR';

/** A running watch; `stop` ends its response. */
export interface ActiveWatch {
  stop(): void;
}

export function serveWatch(store: ObjectStore, spec: WatchSpec, response: ServerResponse): ActiveWatch {
  const matches = (object: KubeObject): boolean =>
    (spec.namespace === undefined || object.metadata.namespace === spec.namespace) &&
    spec.fields({ 'metadata.name': object.metadata.name, 'metadata.namespace': object.metadata.namespace }) &&
    spec.labels(labelsOf(object));

  let tableHeadersSent = false;
  const encode = (object: KubeObject): Json => {
    if (spec.table === undefined) return object;
    const table = toTable(spec.type, [object], object.metadata.resourceVersion, {
      ...spec.table,
      noHeaders: tableHeadersSent,
    });
    tableHeadersSent = true;
    return table;
  };
  const send = (type: EventType, object: Json | KubeStatus): void => {
    response.write(`${JSON.stringify({ type, object })}\n`);
  };
  const bookmark = (annotations?: Record<string, string>): void =>
    send('BOOKMARK', {
      kind: spec.type.kind,
      apiVersion: GroupVersion,
      metadata: { resourceVersion: String(store.resourceVersion), ...(annotations ? { annotations } : {}) },
    });

  const deliver = (change: Change): void => {
    if (change.resource !== spec.type) return;
    const now = matches(change.object);
    const before = change.previous !== undefined && matches(change.previous);
    if (change.type === 'MODIFIED' && now !== before) {
      // Entered or left the selection: ADDED with the new object, or DELETED with the previous content at
      // the change's resourceVersion.
      if (now) send('ADDED', encode(change.object));
      else if (change.previous) {
        const { resourceVersion } = change.object.metadata;
        send(
          'DELETED',
          encode({ ...change.previous, metadata: { ...change.previous.metadata, resourceVersion } }),
        );
      }
      return;
    }
    if (now) send(change.type, encode(change.object));
  };

  response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
  response.flushHeaders(); // clients wait for the headers before they read events
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe: () => void = () => undefined;
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    response.end();
  };
  response.on('close', stop);

  const fail = (error: ApiError): ActiveWatch => {
    send('ERROR', error.status);
    stop();
    return { stop };
  };

  // Everything below runs in one tick, and the store announces changes synchronously: nothing is missed
  // between the initial events and the subscription.
  const rv = spec.resourceVersion;
  if (spec.sendInitialEvents || rv === '' || rv === '0') {
    for (const object of store.list(spec.type, spec.namespace))
      if (matches(object)) send('ADDED', encode(object));
    if (spec.sendInitialEvents) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const from = Number(rv);
    if (from < store.oldestWatchable) {
      return fail(resourceExpired(`too old resource version: ${from} (${store.oldestWatchable})`));
    }
    if (from > store.resourceVersion) {
      return fail(
        new ApiError(
          504,
          'Timeout',
          `Too large resource version: ${from}, current: ${store.resourceVersion}`,
          {
            causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
            retryAfterSeconds: 1,
          },
        ),
      );
    }
    for (const change of store.changesSince(spec.type, from)) deliver(change);
  }
  unsubscribe = store.subscribe(deliver);

  if (spec.allowBookmarks) {
    const tick = (): void => {
      bookmark();
      timers[0] = setTimeout(tick, spec.bookmarkIntervalMs);
    };
    timers[0] = setTimeout(tick, spec.bookmarkIntervalMs);
  }
  if (spec.timeoutMs !== undefined) {
    timers[1] = setTimeout(() => {
      if (spec.allowBookmarks) bookmark(); // the client resumes from here
      stop();
    }, spec.timeoutMs);
  }
  return { stop };
}
