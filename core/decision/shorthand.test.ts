import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeDecision } from './codec.js';
import { formatDuration, parseDuration } from './duration.js';
import { parseOperatorMessage, type OperatorContext } from './shorthand.js';
import type { DecisionMessage } from './message.js';

const now = new Date('2026-11-26T10:00:00Z');
let counter = 0;
const context: OperatorContext = {
  now,
  defaultTarget: { namespace: 'default', virtualService: 'worker-virtual-service' },
  newId: () => `op-${++counter}`,
};

function accept(
  body: string | Buffer,
  attributes: Record<string, string> = {},
  ctx = context,
): DecisionMessage {
  const result = parseOperatorMessage(body, attributes, ctx);
  assert.ok(
    result.ok,
    `expected ${JSON.stringify(String(body))} to be accepted: ${result.ok ? '' : result.reason}`,
  );
  return result.message;
}

function reject(body: string, attributes: Record<string, string> = {}, ctx = context): string {
  const result = parseOperatorMessage(body, attributes, ctx);
  assert.equal(result.ok, false, `expected ${JSON.stringify(body)} to be rejected`);
  return result.ok ? '' : result.reason;
}

describe('parseOperatorMessage: the shorthand', () => {
  const overrides: [string, { primary: number; burst: number }][] = [
    ['burst', { primary: 0, burst: 100 }],
    ['primary', { primary: 100, burst: 0 }],
    ['split:30', { primary: 70, burst: 30 }],
    ['split:0', { primary: 100, burst: 0 }],
    ['split:100', { primary: 0, burst: 100 }],
    ['  BURST\n', { primary: 0, burst: 100 }],
    ['Split:5', { primary: 95, burst: 5 }],
  ];
  for (const [body, weights] of overrides)
    test(`${JSON.stringify(body)} → override ${weights.primary}/${weights.burst} for the default 1h`, () => {
      const message = accept(body);
      assert.equal(message.kind, 'override');
      assert.deepEqual(message.weights, weights);
      assert.equal(message.issuedAt, '2026-11-26T10:00:00.000Z');
      assert.equal(message.until, '2026-11-26T11:00:00.000Z');
      assert.deepEqual(message.target, context.defaultTarget);
      assert.match(message.id, /^op-\d+$/);
      assert.match(message.reason, /^operator override: .* for 1h$/);
    });

  test('auto → release, no until, placeholder weights', () => {
    const message = accept('auto');
    assert.equal(message.kind, 'release');
    assert.equal(message.until, undefined);
    assert.deepEqual(message.weights, { primary: 100, burst: 0 });
    assert.match(message.reason, /release the override/);
  });

  test('a body as bytes, as Pub/Sub delivers it', () => {
    assert.equal(accept(Buffer.from('split:40')).weights.burst, 40);
  });

  test('attributes ttl, target and reason', () => {
    const message = accept('split:25', { ttl: '1h30m', target: 'shop/cart', reason: 'black friday' });
    assert.equal(message.until, '2026-11-26T11:30:00.000Z');
    assert.deepEqual(message.target, { namespace: 'shop', virtualService: 'cart' });
    assert.equal(message.reason, 'black friday');
    assert.deepEqual(message.weights, { primary: 75, burst: 25 });
  });

  test('googclient_ attributes are ignored', () => {
    assert.equal(accept('burst', { googclient_schemaencoding: 'JSON' }).kind, 'override');
  });

  test('what it produces encodes as a valid decision', () => {
    for (const body of ['burst', 'primary', 'split:30', 'auto']) {
      const encoded = encodeDecision(accept(body, { target: 'shop/cart' }));
      assert.equal(encoded.orderingKey, 'shop/cart');
    }
  });

  const rejected: [string, Record<string, string>, RegExp | string][] = [
    ['', {}, 'empty message: expected burst, primary, split:N, auto or a JSON decision'],
    ['   \n', {}, 'empty message: expected burst, primary, split:N, auto or a JSON decision'],
    ['spill', {}, /^unknown command "spill": expected burst, primary, split:N/],
    ['burst now', {}, /^unknown command "burst now"/],
    ['split:150', {}, 'split:N needs N, the percent to burst, as an integer 0–100 (got "150")'],
    ['split:-1', {}, 'split:N needs N, the percent to burst, as an integer 0–100 (got "-1")'],
    ['split:3.5', {}, 'split:N needs N, the percent to burst, as an integer 0–100 (got "3.5")'],
    ['split:', {}, 'split:N needs N, the percent to burst, as an integer 0–100 (got "")'],
    ['split: 30', {}, 'split:N needs N, the percent to burst, as an integer 0–100 (got " 30")'],
    ['split:30%', {}, /^split:N needs N/],
    ['split:1000', {}, /^split:N needs N/],
    ['burst', { target: 'worker' }, 'attribute target must be namespace/virtualService (got "worker")'],
    ['burst', { target: 'a/b/c' }, /^attribute target must be namespace\/virtualService/],
    [
      'burst',
      { target: 'Default/worker' },
      /^attribute target namespace must be a Kubernetes namespace name/,
    ],
    [
      'burst',
      { target: 'default/Worker_VS' },
      /^attribute target virtualService must be a Kubernetes object name/,
    ],
    ['burst', { tll: '5m' }, 'unknown attribute "tll" (the shorthand takes ttl, target, reason)'],
    ['burst', { kind: 'override' }, /^unknown attribute "kind"/],
    ['burst', { reason: 'r'.repeat(1025) }, 'attribute reason must be at most 1024 characters (got 1025)'],
    ['auto', { ttl: '30m' }, 'attribute ttl does not apply to auto (it ends the override now)'],
    ['burst', { ttl: '0s' }, 'attribute ttl must be from 1s to 7d (got "0s")'],
    ['burst', { ttl: '8d' }, 'attribute ttl must be from 1s to 7d (got "8d")'],
    ['burst', { ttl: '7d1s' }, /^attribute ttl must be from 1s to 7d/],
    ['burst', { ttl: '30' }, /^attribute ttl must be a duration like 30s, 30m, 2h or 1h30m/],
    ['burst', { ttl: '1.5h' }, /^attribute ttl must be a duration like/],
    ['burst', { ttl: '-5m' }, /^attribute ttl must be a duration like/],
    ['burst', { ttl: '500ms' }, /^attribute ttl must be a duration like/],
    ['burst', { ttl: '30m1h' }, /^attribute ttl must be a duration like/],
    ['burst', { ttl: '' }, /^attribute ttl must be a duration like/],
  ];
  for (const [body, attributes, expected] of rejected)
    test(`rejects ${JSON.stringify(body)} ${JSON.stringify(attributes).slice(0, 40)}`, () => {
      const reason = reject(body, attributes);
      if (typeof expected === 'string') assert.equal(reason, expected);
      else assert.match(reason, expected);
    });

  test('without a default target the attribute is required', () => {
    const noDefault: OperatorContext = { now: context.now, newId: context.newId };
    assert.equal(
      reject('burst', {}, noDefault),
      'no target: set the attribute target=namespace/virtualService',
    );
    assert.equal(accept('burst', { target: 'a/b' }, noDefault).target.virtualService, 'b');
  });

  test('a bad id from the caller is reported, not published', () => {
    assert.match(
      reject('burst', {}, { ...context, newId: () => 'has space' }),
      /^id must be 1 to 128 characters/,
    );
  });
});

describe('parseOperatorMessage: a JSON body goes to decodeDecision', () => {
  const json = {
    version: 1,
    id: 'op-json',
    kind: 'override',
    issuedAt: '2026-11-26T10:00:00Z',
    target: { namespace: 'default', virtualService: 'worker-virtual-service' },
    weights: { primary: 20, burst: 80 },
    reason: 'by hand',
    until: '2026-11-26T10:30:00Z',
  };
  test('accepted as written (the context is not used)', () => {
    assert.deepEqual(accept(`  ${JSON.stringify(json)}\n`), json);
  });
  test('its errors are the codec ones', () => {
    const bad = { ...json, weights: { primary: 60, burst: 60 } };
    assert.equal(reject(JSON.stringify(bad)), 'weights must sum to 100 (got 60 + 60 = 120)');
    assert.match(reject('{"version":1'), /^not JSON: /);
    assert.match(
      reject(JSON.stringify(json), { ttl: '5m' }),
      /^attribute ttl applies to a shorthand body only/,
    );
  });
});

describe('parseDuration', () => {
  const good: [string, number][] = [
    ['30s', 30],
    ['30m', 1800],
    ['2h', 7200],
    ['1h30m', 5400],
    ['7d', 604_800],
    ['1d2h3m4s', 93_784],
    [' 90m ', 5400],
    ['0s', 0],
  ];
  for (const [text, seconds] of good)
    test(`${JSON.stringify(text)} = ${seconds} s`, () =>
      assert.deepEqual(parseDuration(text), { ok: true, seconds }));
  for (const bad of ['', '30', '1.5h', '5x', '30M', '1h 30m', 'h', '-1s', '2s1m', '1w'])
    test(`refuses ${JSON.stringify(bad)}`, () => {
      const result = parseDuration(bad);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, /^must be a duration like 30s, 30m, 2h or 1h30m/);
    });
  test('formatDuration writes what parseDuration reads', () => {
    for (const seconds of [0, 1, 59, 60, 3600, 5400, 93_784, 604_800]) {
      const text = formatDuration(seconds);
      assert.deepEqual(parseDuration(text), { ok: true, seconds }, text);
    }
    assert.equal(formatDuration(5400), '1h30m');
  });
});
