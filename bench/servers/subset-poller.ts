/**
 * A steady stream of requests through the mesh for `npm run bench:mesh`: a few keep-alive connections,
 * each sending `POST /` as soon as its previous answer is in, recording which subset answered each
 * request (the upstreams answer with their name) and when it was sent and answered (`performance.now()`,
 * the bench's clock). Anything but a 200 with a subset's name is a failed request.
 */
import { Pool } from 'undici';
import { SUBSETS, type Subset } from './mesh-stack.js';

export interface Answer {
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly subset: Subset;
}

const REQUEST_TIMEOUT_MS = 10_000;
const isSubset = (text: string): text is Subset => (SUBSETS as readonly string[]).includes(text);

export class SubsetPoller {
  /** Requests answered or failed since start. */
  requests = 0;
  failures = 0;
  /** The first failure, for the report (what went wrong, not every occurrence). */
  firstFailure: string | undefined;
  readonly #pool: Pool;
  readonly #connections: number;
  readonly #body: string;
  #answers: Answer[] = [];
  readonly #waiters = new Set<(answer: Answer) => void>();
  #loops: Promise<void>[] = [];
  #stopped = false;

  constructor(url: string, connections: number, body: string) {
    this.#pool = new Pool(new URL(url).origin, {
      connections,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
    this.#connections = connections;
    this.#body = body;
  }

  start(): void {
    this.#loops = Array.from({ length: this.#connections }, () => this.#loop());
  }

  /** The answers kept since the last `clear()`, in the order they arrived. */
  answers(): readonly Answer[] {
    return this.#answers;
  }

  /** Forgets the answers kept so far (so memory stays bounded over many changes). */
  clear(): void {
    this.#answers = [];
  }

  /** The first answer, in arrival order, that `accept`s — among those kept or still to come; undefined after `timeoutMs`. */
  next(accept: (answer: Answer) => boolean, timeoutMs: number): Promise<Answer | undefined> {
    const kept = this.#answers.find(accept);
    if (kept !== undefined) return Promise.resolve(kept);
    return new Promise((resolve) => {
      const waiter = (answer: Answer): void => {
        if (!accept(answer)) return;
        done(answer);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (answer: Answer | undefined): void => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve(answer);
      };
      this.#waiters.add(waiter);
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
    await this.#pool.close();
  }

  #fail(reason: string): void {
    this.failures++;
    this.firstFailure ??= reason;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const sentAt = performance.now();
      try {
        const response = await this.#pool.request({
          method: 'POST',
          path: '/',
          headers: { 'content-type': 'application/json' },
          body: this.#body,
        });
        const text = await response.body.text();
        const answeredAt = performance.now();
        this.requests++;
        if (response.statusCode !== 200 || !isSubset(text)) {
          this.#fail(`${response.statusCode} ${JSON.stringify(text.slice(0, 300))}`);
          continue;
        }
        const answer: Answer = { sentAt, answeredAt, subset: text };
        this.#answers.push(answer);
        for (const waiter of [...this.#waiters]) waiter(answer);
      } catch (err) {
        this.requests++;
        this.#fail(err instanceof Error ? err.message : String(err));
        await new Promise((r) => setTimeout(r, 10)); // no hot loop against a mesh that is down
      }
    }
  }
}
