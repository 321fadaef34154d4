/**
 * The routing panel's data for the app: the current view (for `GET /api/routing`) and a notification to the
 * pages whenever what it shows changes — a change seen by the watch, the API lost or back, or an active
 * override reaching its expiry (a timer, unref'd, wakes the feed then).
 */
import {
  nextChangeAt,
  routingView,
  viewKey,
  type RoutingSnapshot,
  type RoutingTarget,
  type RoutingView,
} from './routing-view.js';

/** What the feed follows: the watch (routing-watch.ts) or anything that behaves like it. */
export interface SnapshotSource {
  snapshot(): RoutingSnapshot;
  start(onChange: () => void): void;
  stop(): Promise<void>;
}

export interface RoutingFeedOptions {
  readonly target: RoutingTarget;
  readonly routeName?: string | undefined;
  /** The watch to follow, or why there is none (the panel shows the reason). */
  readonly source: { watch: SnapshotSource } | { unavailable: string };
  /** The clock (ms since the epoch). */
  readonly now?: () => number;
}

/** The longest a timer may wait (setTimeout's limit); an expiry further away is looked at again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class RoutingFeed {
  readonly #options: RoutingFeedOptions;
  readonly #now: () => number;
  readonly #listeners = new Set<(view: RoutingView) => void>();
  #key = '';
  #timer: NodeJS.Timeout | undefined;
  #started = false;

  constructor(options: RoutingFeedOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Starts the watch (if any). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const { source } = this.#options;
    if ('watch' in source) source.watch.start(() => this.#refresh());
    this.#refresh();
  }

  /** The view as of now. */
  view(): RoutingView {
    const { source, target, routeName } = this.#options;
    return routingView({
      target,
      routeName,
      now: new Date(this.#now()),
      source: 'watch' in source ? { snapshot: source.watch.snapshot() } : source,
    });
  }

  /** Calls `listener` with the view each time what it shows changes; returns the unsubscribe function. */
  subscribe(listener: (view: RoutingView) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#listeners.clear();
    const { source } = this.#options;
    if ('watch' in source) await source.watch.stop();
  }

  #refresh(): void {
    const view = this.view();
    clearTimeout(this.#timer);
    const at = nextChangeAt(view);
    if (at !== undefined) {
      this.#timer = setTimeout(
        () => this.#refresh(),
        Math.min(Math.max(0, at - this.#now()) + 1, MAX_TIMER_MS),
      );
      this.#timer.unref();
    }
    const key = viewKey(view);
    if (key === this.#key) return;
    this.#key = key;
    for (const listener of this.#listeners) listener(view);
  }
}
