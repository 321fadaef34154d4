import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HASH_PATTERN, codelabHash } from './hash.js';
import { RandomPool } from './random-pool.js';

test('codelab hash: SHA-256 (base64) of str + hex(random bytes) + hour', () => {
  // Reference value computed independently: base64(sha256("hello" + "00010203ff" + "7")).
  const hash = codelabHash('hello', Uint8Array.from([0x00, 0x01, 0x02, 0x03, 0xff]), 7);
  assert.equal(hash, 'OkL9iXKfn9rlPBuSRFZTsQjtYgKOQS1HGdxl775iAmQ=');
  assert.match(hash, HASH_PATTERN);
});

test('codelab hash: the random bytes and the hour change the result', () => {
  const bytes = Uint8Array.from([1, 2, 3]);
  const base = codelabHash('abc', bytes, 3);
  assert.notEqual(codelabHash('abc', Uint8Array.from([1, 2, 4]), 3), base);
  assert.notEqual(codelabHash('abc', bytes, 4), base);
  assert.equal(codelabHash('abc', bytes, 3), base);
});

test('codelab hash: a view into a larger buffer hashes only its own bytes', () => {
  const big = Uint8Array.from([9, 9, 0, 1, 2, 3, 255, 9]);
  const view = big.subarray(2, 7);
  assert.equal(codelabHash('hello', view, 7), 'OkL9iXKfn9rlPBuSRFZTsQjtYgKOQS1HGdxl775iAmQ=');
});

test('random pool: views never overlap until the pool is refilled, and large asks get fresh bytes', () => {
  const pool = new RandomPool(64);
  const a = pool.take(40);
  const copyOfA = Buffer.from(a);
  const b = pool.take(20);
  assert.equal(a.length, 40);
  assert.equal(b.length, 20);
  assert.deepEqual(Buffer.from(a), copyOfA, 'taking b did not change a');
  assert.notDeepEqual(Buffer.from(b), copyOfA.subarray(0, 20));
  assert.equal(pool.take(10).length, 10, 'refills when fewer than n bytes remain');
  assert.equal(pool.take(100).length, 100, 'more than the pool size');
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) seen.add(Buffer.from(pool.take(8)).toString('hex'));
  assert.equal(seen.size, 1000, '8 random bytes never repeat in 1000 draws');
});
