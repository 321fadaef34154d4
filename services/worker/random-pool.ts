import { randomFillSync } from 'node:crypto';

/**
 * Cryptographically random bytes taken from a pooled buffer refilled with `randomFillSync`: one system call
 * per POOL_BYTES instead of one per request (the per-call cost dominated the worker's hash step).
 * A returned view is valid until the next call: use it synchronously.
 */
export class RandomPool {
  readonly #pool: Buffer;
  #offset: number;

  constructor(poolBytes = 64 * 1024) {
    this.#pool = Buffer.allocUnsafe(poolBytes);
    this.#offset = poolBytes;
  }

  take(n: number): Uint8Array {
    if (n > this.#pool.length) return randomFillSync(Buffer.allocUnsafe(n));
    if (this.#offset + n > this.#pool.length) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    const view = this.#pool.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return view;
  }
}
