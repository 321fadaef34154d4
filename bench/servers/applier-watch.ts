/**
 * A watch on one VirtualService through the control plane's watch API (`?watch=true`, newline-delimited
 * JSON events, from a resourceVersion so nothing is missed), for `npm run bench:applier`: notes when each
 * write arrived (performance.now()), its resourceVersion and the weights of the managed route.
 */
import { findManagedRoute } from '../../core/applier/route.js';
import type { Target } from '../../core/decision/message.js';
import type { Weights } from '../../core/weights.js';

export interface SeenWrite {
  readonly at: number;
  readonly type: string;
  readonly resourceVersion: string;
  /** The managed route's weights after the write; undefined when they cannot be read. */
  readonly weights: Weights | undefined;
}

export interface VirtualServiceWatch {
  /** Every write seen so far, in order. */
  writes(): readonly SeenWrite[];
  /** Why the watch ended before close(), if it did (then no write comes any more). */
  failure(): string | undefined;
  /** The weights of the last write seen, or as read when the watch opened. */
  weights(): Weights | undefined;
  /** The first write at index `from` or later that `matches`, once it arrived; undefined after `timeoutMs`. */
  next(from: number, matches: (w: SeenWrite) => boolean, timeoutMs: number): Promise<SeenWrite | undefined>;
  close(): void;
}

const collectionPath = (t: Target): string =>
  `/apis/networking.istio.io/v1/namespaces/${t.namespace}/virtualservices`;

/**
 * The weights of `target` and the resourceVersion to watch it from: a list (field-selected to its name),
 * whose resourceVersion is the collection's — an object's own resourceVersion may be older than the
 * oldest one a watch can start from.
 */
async function listVirtualService(
  baseUrl: string,
  target: Target,
): Promise<{ resourceVersion: string; weights: Weights | undefined }> {
  const query = new URLSearchParams({ fieldSelector: `metadata.name=${target.virtualService}` });
  const answer = await fetch(`${baseUrl}${collectionPath(target)}?${query.toString()}`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (!answer.ok) throw new Error(`list VirtualService ${target.virtualService}: HTTP ${answer.status}`);
  // I/O boundary: the list as the control plane answers it.
  const list = (await answer.json()) as { metadata?: { resourceVersion?: string }; items?: unknown[] };
  const [object] = list.items ?? [];
  if (object === undefined) throw new Error(`no VirtualService ${target.virtualService}`);
  const route = findManagedRoute(object);
  return {
    resourceVersion: list.metadata?.resourceVersion ?? '',
    weights: route.ok ? route.route.weights : undefined,
  };
}

/** Lists `target`, then watches it from the list's resourceVersion; resolves once the control plane answered. */
export async function watchVirtualService(baseUrl: string, target: Target): Promise<VirtualServiceWatch> {
  const { resourceVersion, weights } = await listVirtualService(baseUrl, target);
  const controller = new AbortController();
  const query = new URLSearchParams({
    watch: 'true',
    fieldSelector: `metadata.name=${target.virtualService}`,
    resourceVersion,
  });
  const response = await fetch(`${baseUrl}${collectionPath(target)}?${query.toString()}`, {
    signal: controller.signal,
  });
  if (!response.ok || response.body === null)
    throw new Error(`watch on VirtualService ${target.virtualService}: HTTP ${response.status}`);
  const seen: SeenWrite[] = [];
  const waiters = new Set<() => void>();
  let failure: string | undefined;
  const reader = response.body.getReader();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the control plane ended the watch');
        const at = performance.now();
        buffer += decoder.decode(value, { stream: true });
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          // I/O boundary: a watch event as the control plane sends it.
          const event = JSON.parse(buffer.slice(0, newline)) as {
            type: string;
            object: { metadata?: { resourceVersion?: string } };
          };
          buffer = buffer.slice(newline + 1);
          if (event.type === 'BOOKMARK') continue;
          if (event.type === 'ERROR') throw new Error(`watch ended: ${JSON.stringify(event.object)}`);
          const route = findManagedRoute(event.object);
          seen.push({
            at,
            type: event.type,
            resourceVersion: event.object.metadata?.resourceVersion ?? '',
            weights: route.ok ? route.route.weights : undefined,
          });
        }
        for (const wake of waiters) wake();
      }
    } catch (err) {
      // Aborted by close(), or the watch ended: the writes seen so far stay.
      if (!controller.signal.aborted) failure = err instanceof Error ? err.message : String(err);
      for (const wake of waiters) wake();
    }
  })();

  return {
    writes: () => seen,
    failure: () => failure,
    weights: () => (seen.length === 0 ? weights : seen.at(-1)?.weights),
    async next(from, matches, timeoutMs) {
      const find = (): SeenWrite | undefined => seen.slice(from).find(matches);
      const found = find();
      if (found !== undefined || failure !== undefined) return found;
      return new Promise((resolve) => {
        const timer = setTimeout(() => finish(undefined), timeoutMs);
        function finish(write: SeenWrite | undefined): void {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(write);
        }
        function check(): void {
          const write = find();
          if (write !== undefined || failure !== undefined) finish(write);
        }
        waiters.add(check);
      });
    },
    close: () => controller.abort(),
  };
}
