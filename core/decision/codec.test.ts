import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import Value from 'typebox/value';
import { decodeDecision, encodeDecision } from './codec.js';
import { DecisionMessageSchema, type DecisionMessage } from './message.js';

const auto: DecisionMessage = {
  version: 1,
  id: 'd-1',
  kind: 'auto',
  issuedAt: '2026-11-26T10:00:00Z',
  target: { namespace: 'default', virtualService: 'worker-virtual-service' },
  weights: { primary: 70, burst: 30 },
  reason: 'rate 20 req/s, capacity 14 req/s',
  observed: { rps: 20, at: '2026-11-26T09:59:58Z', source: 'prometheus', query: 'sum(rate(x[15s]))' },
};

const override: DecisionMessage = {
  version: 1,
  id: 'op-7',
  kind: 'override',
  issuedAt: '2026-11-26T10:00:00Z',
  target: { namespace: 'shop', virtualService: 'cart.v1' },
  weights: { primary: 0, burst: 100 },
  reason: 'load test',
  until: '2026-11-26T12:00:00+01:00',
};

/** `base` with `changes` applied; a value of undefined removes the field. Paths are dotted. */
function variant(base: DecisionMessage, changes: Record<string, unknown>): string {
  const copy = structuredClone(base) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(changes)) {
    const parts = path.split('.');
    let node = copy;
    for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
    const last = parts[parts.length - 1] as string;
    if (value === undefined) Reflect.deleteProperty(node, last);
    else node[last] = value;
  }
  return JSON.stringify(copy);
}

function reasonOf(data: string | Buffer, attributes?: Record<string, string>): string {
  const result = decodeDecision(data, attributes);
  assert.equal(result.ok, false, `expected a rejection of ${String(data)}`);
  return result.ok ? '' : result.reason;
}

describe('encodeDecision', () => {
  test('JSON body, kind and target attributes, ordering key namespace/virtualService', () => {
    const encoded = encodeDecision(auto);
    assert.deepEqual(JSON.parse(encoded.data.toString('utf8')), auto);
    assert.deepEqual(encoded.attributes, { kind: 'auto', target: 'default/worker-virtual-service' });
    assert.equal(encoded.orderingKey, 'default/worker-virtual-service');
  });

  test('writes the fields in the contract order, whatever order they were built in', () => {
    const { reason, weights, ...rest } = auto;
    const shuffled = { reason, weights, ...rest };
    const keys = Object.keys(JSON.parse(encodeDecision(shuffled).data.toString()) as object);
    assert.deepEqual(keys, ['version', 'id', 'kind', 'issuedAt', 'target', 'weights', 'reason', 'observed']);
  });

  test('refuses to encode a message that breaks the contract', () => {
    const bad = { ...auto, weights: { primary: 60, burst: 60 } };
    assert.throws(() => encodeDecision(bad), /weights must sum to 100 \(got 60 \+ 60 = 120\)/);
  });
});

describe('decodeDecision round trip', () => {
  test('auto and override decode to what was encoded, with and without attributes', () => {
    for (const message of [auto, override]) {
      const encoded = encodeDecision(message);
      assert.deepEqual(decodeDecision(encoded.data, encoded.attributes), { ok: true, message });
      assert.deepEqual(decodeDecision(encoded.data.toString()), { ok: true, message });
    }
  });

  test('any valid message survives encode → decode (property)', () => {
    const name = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
    const date = fc
      .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2090, 0, 1) })
      .map((ms) => new Date(ms).toISOString());
    const message = fc.record({
      version: fc.constant(1 as const),
      id: fc.stringMatching(/^\S{1,40}$/),
      kind: fc.constantFrom('auto' as const, 'release' as const),
      issuedAt: date,
      target: fc.record({ namespace: name, virtualService: name }),
      weights: fc.integer({ min: 0, max: 100 }).map((burst) => ({ primary: 100 - burst, burst })),
      reason: fc.string({ maxLength: 200 }),
    });
    fc.assert(
      fc.property(message, (m) => {
        const encoded = encodeDecision(m);
        const plain = JSON.parse(JSON.stringify(m)) as DecisionMessage; // fast-check builds null-prototype objects
        assert.deepEqual(decodeDecision(encoded.data, encoded.attributes), { ok: true, message: plain });
        assert.ok(Value.Check(DecisionMessageSchema, m));
      }),
    );
  });
});

describe('decodeDecision rejects, saying why', () => {
  const cases: [string, string | Buffer, RegExp | string][] = [
    ['not JSON', 'burst please', /^not JSON: /],
    ['truncated JSON', '{"version":1,', /^not JSON: /],
    ['an array', '[1,2]', 'a decision must be a JSON object (got an array)'],
    ['null', 'null', 'a decision must be a JSON object (got null)'],
    ['a bare number', '42', 'a decision must be a JSON object (got number 42)'],
    [
      'no version',
      variant(auto, { version: undefined }),
      'missing field version (this Spillway understands version 1)',
    ],
    ['version 2', variant(auto, { version: 2 }), 'unknown version 2 (this Spillway understands version 1)'],
    [
      'version "1"',
      variant(auto, { version: '1' }),
      'unknown version "1" (this Spillway understands version 1)',
    ],
    ['unknown field', variant(auto, { util: 'x' }), /^unknown field util \(known: version, id, kind/],
    ['unknown nested field', variant(auto, { 'target.cluster': 'a' }), /^unknown field target\.cluster/],
    ['missing id', variant(auto, { id: undefined }), 'missing field id'],
    ['empty id', variant(auto, { id: '' }), 'id must be 1 to 128 characters without spaces (got "")'],
    ['id with spaces', variant(auto, { id: 'a b' }), /^id must be 1 to 128 characters without spaces/],
    ['id too long', variant(auto, { id: 'x'.repeat(129) }), /^id must be 1 to 128 characters/],
    ['numeric id', variant(auto, { id: 7 }), 'id must be a string (got 7)'],
    [
      'unknown kind',
      variant(auto, { kind: 'manual' }),
      'kind must be one of auto, override, release (got "manual")',
    ],
    ['missing issuedAt', variant(auto, { issuedAt: undefined }), 'missing field issuedAt'],
    [
      'issuedAt not a date',
      variant(auto, { issuedAt: 'yesterday' }),
      /^issuedAt must be an RFC 3339 date-time like 2026-11-26T10:00:00Z \(got "yesterday"\)$/,
    ],
    [
      'issuedAt without offset',
      variant(auto, { issuedAt: '2026-11-26T10:00:00' }),
      /^issuedAt must be an RFC 3339/,
    ],
    [
      'issuedAt 30 February',
      variant(auto, { issuedAt: '2026-02-30T10:00:00Z' }),
      /^issuedAt must be an RFC 3339/,
    ],
    [
      'issuedAt as epoch number',
      variant(auto, { issuedAt: 1764151200 }),
      'issuedAt must be a string (got 1764151200)',
    ],
    ['missing target', variant(auto, { target: undefined }), 'missing field target'],
    [
      'target as a string',
      variant(auto, { target: 'default/x' }),
      'target must be a JSON object (got a string "default/x")',
    ],
    ['missing namespace', variant(auto, { 'target.namespace': undefined }), 'missing field target.namespace'],
    [
      'upper-case namespace',
      variant(auto, { 'target.namespace': 'Default' }),
      /^target\.namespace must be a Kubernetes namespace name/,
    ],
    [
      'bad virtualService',
      variant(auto, { 'target.virtualService': 'a/b' }),
      /^target\.virtualService must be a Kubernetes object name/,
    ],
    ['missing weights', variant(auto, { weights: undefined }), 'missing field weights'],
    [
      'weights 60/60',
      variant(auto, { weights: { primary: 60, burst: 60 } }),
      'weights must sum to 100 (got 60 + 60 = 120)',
    ],
    [
      'weights 50.5/49.5',
      variant(auto, { weights: { primary: 50.5, burst: 49.5 } }),
      'weights.primary must be an integer from 0 to 100 (got 50.5)',
    ],
    [
      'weights as strings',
      variant(auto, { weights: { primary: '70', burst: '30' } }),
      'weights.primary must be an integer from 0 to 100 (got "70")',
    ],
    [
      'weights -10/110',
      variant(auto, { weights: { primary: 110, burst: -10 } }),
      'weights.primary must be an integer from 0 to 100 (got 110)',
    ],
    ['weights missing burst', variant(auto, { 'weights.burst': undefined }), 'missing field weights.burst'],
    ['weights extra subset', variant(auto, { 'weights.canary': 0 }), /^unknown field weights\.canary/],
    ['missing reason', variant(auto, { reason: undefined }), 'missing field reason'],
    [
      'reason too long',
      variant(auto, { reason: 'r'.repeat(1025) }),
      'reason must be at most 1024 characters (got 1025)',
    ],
    [
      'observed.rps negative',
      variant(auto, { 'observed.rps': -1 }),
      'observed.rps must be a number ≥ 0 (got -1)',
    ],
    [
      'observed.rps a string',
      variant(auto, { 'observed.rps': '20' }),
      'observed.rps must be a number ≥ 0 (got "20")',
    ],
    [
      'observed.at bad',
      variant(auto, { 'observed.at': '2026-11-26 10:00' }),
      /^observed\.at must be an RFC 3339/,
    ],
    [
      'observed without query',
      variant(auto, { 'observed.query': undefined }),
      'missing field observed.query',
    ],
    [
      'override without until',
      variant(override, { until: undefined }),
      'until is required for an override (when it expires)',
    ],
    [
      'until before issuedAt',
      variant(override, { until: '2026-11-26T09:00:00Z' }),
      'until (2026-11-26T09:00:00Z) must be after issuedAt (2026-11-26T10:00:00Z)',
    ],
    [
      'until equal to issuedAt (other offset)',
      variant(override, { until: '2026-11-26T11:00:00+01:00', issuedAt: '2026-11-26T10:00:00Z' }),
      /must be after issuedAt/,
    ],
    [
      'until beyond 7 days',
      variant(override, { until: '2026-12-04T10:00:00Z' }),
      'until (2026-12-04T10:00:00Z) must be at most 7 days after issuedAt (2026-11-26T10:00:00Z)',
    ],
    ['until bad date', variant(override, { until: 'in an hour' }), /^until must be an RFC 3339/],
    [
      'until on an auto decision',
      variant(auto, { until: '2026-11-26T11:00:00Z' }),
      'until is only allowed on an override (this is auto)',
    ],
    [
      'a body over 64 KiB',
      JSON.stringify({ pad: 'x'.repeat(70_000) }),
      /^message too large: \d+ bytes \(at most 65536\)$/,
    ],
    [
      'bytes that are not UTF-8',
      Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
      'message body is not valid UTF-8 text',
    ],
  ];
  for (const [name, data, expected] of cases)
    test(name, () => {
      const reason = reasonOf(data);
      if (typeof expected === 'string') assert.equal(reason, expected);
      else assert.match(reason, expected);
    });
});

describe('decodeDecision checks the attributes against the body', () => {
  const data = encodeDecision(auto).data;
  test('matching kind and target pass; googclient_ attributes are ignored', () => {
    const result = decodeDecision(data, {
      kind: 'auto',
      target: 'default/worker-virtual-service',
      googclient_schemaencoding: 'JSON',
    });
    assert.equal(result.ok, true);
  });
  test('a kind attribute that differs from the body', () => {
    assert.equal(
      reasonOf(data, { kind: 'override' }),
      'attribute kind "override" does not match the body\'s kind "auto"',
    );
    assert.match(
      reasonOf(data, { kind: 'manual' }),
      /^attribute kind must be one of auto, override, release/,
    );
  });
  test('a target attribute that differs from the body', () => {
    assert.equal(
      reasonOf(data, { target: 'default/other' }),
      'attribute target "default/other" does not match the body\'s target "default/worker-virtual-service"',
    );
  });
  test('shorthand attributes on a JSON body, and unknown attributes', () => {
    assert.equal(
      reasonOf(data, { ttl: '30m' }),
      'attribute ttl applies to a shorthand body only; a JSON override carries until',
    );
    assert.match(reasonOf(data, { reason: 'x' }), /^attribute reason applies to a shorthand body only/);
    assert.equal(
      reasonOf(data, { priority: 'high' }),
      'unknown attribute "priority" (a JSON decision may carry kind, target)',
    );
  });
});
