import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { tempDir } from '../../local/control-plane/test-helpers.js';
import { kubeconfigText } from '../../local/control-plane/kubeconfig.js';
import { clusterApis } from './cluster-apis.js';
import { loadApplierConfig } from './config.js';

const CLUSTERS =
  'projects/my-project/locations/europe-west1/clusters/primary,projects/my-project/locations/europe-west1-b/clusters/burst';

function problems(env: Record<string, string>): string {
  try {
    loadApplierConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

describe('loadApplierConfig', () => {
  test('GKE clusters, with the defaults', () => {
    const config = loadApplierConfig({ SPILLWAY_TARGET_CLUSTERS: CLUSTERS });
    assert.deepEqual(config, {
      clusters: {
        type: 'gke',
        clusters: [
          { project: 'my-project', location: 'europe-west1', name: 'primary' },
          { project: 'my-project', location: 'europe-west1-b', name: 'burst' },
        ],
      },
      virtualServices: [{ namespace: 'default', virtualService: 'worker-virtual-service' }],
      conflictRetries: 5,
      apiTimeoutMs: 10_000,
      logLevel: 'info',
    });
  });

  test('a kubeconfig with contexts, several VirtualServices, a route, retries and a timeout', () => {
    const config = loadApplierConfig({
      SPILLWAY_KUBECONFIG: '/tmp/k',
      SPILLWAY_KUBE_CONTEXTS: 'east,west',
      SPILLWAY_VIRTUAL_SERVICES: 'default/a, shop/b',
      SPILLWAY_ROUTE: 'worker',
      SPILLWAY_CONFLICT_RETRIES: '2',
      SPILLWAY_API_TIMEOUT: '30s',
      LOG_LEVEL: 'debug',
      KUBECONFIG: '/somewhere/else',
    });
    assert.deepEqual(config.clusters, { type: 'kubeconfig', path: '/tmp/k', contexts: ['east', 'west'] });
    assert.deepEqual(config.virtualServices, [
      { namespace: 'default', virtualService: 'a' },
      { namespace: 'shop', virtualService: 'b' },
    ]);
    assert.equal(config.route, 'worker');
    assert.equal(config.conflictRetries, 2);
    assert.equal(config.apiTimeoutMs, 30_000);
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    [
      'no target at all (a shell KUBECONFIG is not read)',
      { KUBECONFIG: '/x' },
      /SPILLWAY_TARGET_CLUSTERS is required \(or SPILLWAY_KUBECONFIG\)/,
    ],
    [
      'both kinds of targets',
      { SPILLWAY_TARGET_CLUSTERS: CLUSTERS, SPILLWAY_KUBECONFIG: '/x' },
      /SPILLWAY_TARGET_CLUSTERS and SPILLWAY_KUBECONFIG are both set/,
    ],
    [
      'a bad cluster path',
      { SPILLWAY_TARGET_CLUSTERS: 'projects/p/clusters/x' },
      /SPILLWAY_TARGET_CLUSTERS .*projects\/p\/clusters\/x/,
    ],
    [
      'contexts without a kubeconfig',
      { SPILLWAY_TARGET_CLUSTERS: CLUSTERS, SPILLWAY_KUBE_CONTEXTS: 'a' },
      /SPILLWAY_KUBE_CONTEXTS applies to SPILLWAY_KUBECONFIG only/,
    ],
    [
      'a bad VirtualService',
      { SPILLWAY_KUBECONFIG: '/x', SPILLWAY_VIRTUAL_SERVICES: 'default' },
      /SPILLWAY_VIRTUAL_SERVICES target must be namespace\/virtualService/,
    ],
    [
      'an empty VirtualService entry',
      { SPILLWAY_KUBECONFIG: '/x', SPILLWAY_VIRTUAL_SERVICES: 'default/a,,' },
      /SPILLWAY_VIRTUAL_SERVICES has an empty entry/,
    ],
    [
      'retries out of range',
      { SPILLWAY_KUBECONFIG: '/x', SPILLWAY_CONFLICT_RETRIES: '50' },
      /SPILLWAY_CONFLICT_RETRIES must be an integer from 0 to 20 \(got 50\)/,
    ],
    [
      'a bad timeout',
      { SPILLWAY_KUBECONFIG: '/x', SPILLWAY_API_TIMEOUT: 'soon' },
      /SPILLWAY_API_TIMEOUT must be a duration from 1s to 5m/,
    ],
    ['a bad log level', { SPILLWAY_KUBECONFIG: '/x', LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
  ];
  for (const [name, env, expected] of bad)
    test(`refused: ${name}`, () => assert.match(problems(env), expected));
});

describe('clusterApis from a kubeconfig', () => {
  const dir = tempDir('applier-kubeconfig');
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, kubeconfigText('http://127.0.0.1:1'));

  test('the current context by default, or the named ones', () => {
    assert.deepEqual(
      clusterApis(loadApplierConfig({ SPILLWAY_KUBECONFIG: path })).map((c) => c.cluster),
      ['spillway-local'],
    );
  });

  test('a context the file does not have, or a file that is not there: a clear error', () => {
    assert.throws(
      () => clusterApis(loadApplierConfig({ SPILLWAY_KUBECONFIG: path, SPILLWAY_KUBE_CONTEXTS: 'nope' })),
      /SPILLWAY_KUBE_CONTEXTS: .* has no context "nope" \(it has spillway-local\)/,
    );
    assert.throws(
      () => clusterApis(loadApplierConfig({ SPILLWAY_KUBECONFIG: join(dir, 'missing') })),
      /SPILLWAY_KUBECONFIG: cannot read .*missing/,
    );
  });
});
