import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from './objects.js';
import { DestinationRuleType, VirtualServiceType } from './resources.js';
import { humanDuration, toTable } from './table.js';

describe('humanDuration (as Kubernetes prints ages)', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const cases: [number, string][] = [
    [0, '0s'],
    [-1500, '0s'],
    [-5 * s, '<invalid>'],
    [59 * s, '59s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [3 * m + 20 * s, '3m20s'],
    [12 * m, '12m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [5 * h + 30 * m, '5h30m'],
    [20 * h, '20h'],
    [3 * d + 4 * h, '3d4h'],
    [3 * d, '3d'],
    [400 * d, '400d'],
    [3 * 365 * d + 10 * d, '3y10d'],
    [10 * 365 * d, '10y'],
  ];
  for (const [ms, text] of cases) test(`${ms} ms → ${text}`, () => assert.equal(humanDuration(ms), text));
});

describe('Table', () => {
  const created = '2025-01-01T00:00:00Z';
  const now = Date.parse(created) + 90_000;
  const vs = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: {
      name: 'vs',
      namespace: 'default',
      uid: 'u',
      resourceVersion: '7',
      generation: 1,
      creationTimestamp: created,
    },
    spec: { hosts: ['worker-service'], gateways: ['mesh'] },
  } as KubeObject;

  test('VirtualService: Name, Gateways, Hosts, Age, lists printed as JSON', () => {
    const table = toTable(
      VirtualServiceType,
      [vs],
      '9',
      { noHeaders: false, includeObject: 'Metadata' },
      now,
    );
    assert.equal(table['kind'], 'Table');
    assert.equal(table['apiVersion'], 'meta.k8s.io/v1');
    assert.deepEqual(table['metadata'], { resourceVersion: '9' });
    const columns = table['columnDefinitions'] as { name: string; type: string }[];
    assert.deepEqual(
      columns.map((c) => [c.name, c.type]),
      [
        ['Name', 'string'],
        ['Gateways', 'string'],
        ['Hosts', 'string'],
        ['Age', 'date'],
      ],
    );
    const rows = table['rows'] as { cells: unknown[]; object: { kind: string } }[];
    assert.deepEqual(rows[0]?.cells, ['vs', '["mesh"]', '["worker-service"]', '90s']);
    assert.equal(rows[0]?.object.kind, 'PartialObjectMetadata');
  });

  test('DestinationRule: Name, Host, Age; missing values are null; no headers and no object on request', () => {
    const dr = { ...vs, kind: 'DestinationRule', spec: {} } as KubeObject;
    const table = toTable(DestinationRuleType, [dr], '9', { noHeaders: true, includeObject: 'None' }, now);
    assert.deepEqual(table['columnDefinitions'], []);
    assert.deepEqual(table['rows'], [{ cells: ['vs', null, '90s'], object: null }]);
  });
});
