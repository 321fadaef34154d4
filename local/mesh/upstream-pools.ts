/** One undici Pool (keep-alive connections) per endpoint origin, created on first use. */
import { Pool } from 'undici';

export interface PoolSettings {
  /** Connections per endpoint at most; further requests queue in the pool. */
  readonly connections: number;
  /** How long the upstream may take to send its response headers. */
  readonly headersTimeoutMs: number;
  /** How long the upstream may pause while sending its body. */
  readonly bodyTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

export const defaultPoolSettings: PoolSettings = {
  connections: 256,
  headersTimeoutMs: 300_000,
  bodyTimeoutMs: 300_000,
  connectTimeoutMs: 10_000,
};

export class UpstreamPools {
  readonly #pools = new Map<string, Pool>();
  readonly #settings: PoolSettings;

  constructor(settings: PoolSettings = defaultPoolSettings) {
    this.#settings = settings;
  }

  get(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      const s = this.#settings;
      pool = new Pool(origin, {
        connections: s.connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        headersTimeout: s.headersTimeoutMs,
        bodyTimeout: s.bodyTimeoutMs,
        connect: { timeout: s.connectTimeoutMs },
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /** Closes the pools of origins no longer in use (their requests in flight finish first). */
  retain(origins: ReadonlySet<string>): void {
    for (const [origin, pool] of this.#pools) {
      if (!origins.has(origin)) {
        this.#pools.delete(origin);
        void pool.close();
      }
    }
  }

  /** Closes every pool, after its requests in flight; `destroy` aborts them instead. */
  async close(destroy = false): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => (destroy ? pool.destroy() : pool.close())));
  }
}
