import { createHash } from 'node:crypto';

/**
 * The codelab worker's hash: SHA-256 (base64) of `str`, followed by the hex form of `random` (as many
 * random bytes as `str` has characters), followed by the hour (0–23) of the worker's local time.
 * Pure: the caller supplies the random bytes and the hour.
 */
export function codelabHash(str: string, random: Uint8Array, hour: number): string {
  return createHash('sha256')
    .update(
      str + Buffer.from(random.buffer, random.byteOffset, random.byteLength).toString('hex') + String(hour),
    )
    .digest('base64');
}

/** SHA-256 in base64 is always 44 characters ending in `=`. */
export const HASH_PATTERN = /^[A-Za-z0-9+/]{43}=$/;
