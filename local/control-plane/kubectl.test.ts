/** Real kubectl against the control plane, for each verb Spillway's users and tests rely on. */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { until } from '../test-support/wait.js';
import {
  Kubectl,
  SeedDr,
  SeedVs,
  startTestControlPlane,
  tempDir,
  type TestControlPlane,
} from './test-helpers.js';

const weights = async (kubectl: Kubectl): Promise<string> =>
  kubectl.ok(['get', 'vs', SeedVs, '-o', 'jsonpath={.spec.http[0].route[*].weight}']);

describe('kubectl against the control plane', () => {
  let cp: TestControlPlane;
  let kubectl: Kubectl;
  const files = tempDir('kubectl-files');
  before(async () => {
    cp = await startTestControlPlane();
    kubectl = new Kubectl(cp.kubeconfigPath);
  });
  after(async () => {
    kubectl.dispose();
    rmSync(files, { recursive: true, force: true });
    await cp.dispose();
  });

  test('get: the columns a cluster with Istio shows', async () => {
    const vs = await kubectl.ok(['get', 'virtualservices']);
    assert.match(vs, /^NAME\s+GATEWAYS\s+HOSTS\s+AGE\n/);
    assert.match(vs, new RegExp(`^${SeedVs}\\s+\\["mesh"\\]\\s+\\["worker-service"\\]\\s+\\d+s$`, 'm'));
    const dr = await kubectl.ok(['get', 'dr']);
    assert.match(dr, /^NAME\s+HOST\s+AGE\n/);
    assert.match(
      dr,
      new RegExp(`^${SeedDr}\\s+worker-service\\.default\\.svc\\.cluster\\.local\\s+\\d+s$`, 'm'),
    );
    const all = await kubectl.ok(['get', 'vs', '--all-namespaces']);
    assert.match(all, /^NAMESPACE\s+NAME\s+GATEWAYS/);
  });

  test('get -o yaml: the whole object with its server-set metadata', async () => {
    const object = parseYaml(await kubectl.ok(['get', 'vs', SeedVs, '-o', 'yaml'])) as {
      apiVersion: string;
      kind: string;
      metadata: { uid: string; resourceVersion: string; generation: number; namespace: string };
    };
    assert.equal(object.apiVersion, 'networking.istio.io/v1');
    assert.equal(object.kind, 'VirtualService');
    assert.equal(object.metadata.namespace, 'default');
    assert.match(object.metadata.resourceVersion, /^\d+$/);
    assert.ok(object.metadata.uid);
  });

  test('patch --type=merge and --type=json (a failing test op is an error and changes nothing)', async () => {
    await kubectl.ok([
      'patch',
      'vs',
      SeedVs,
      '--type=merge',
      '-p',
      '{"metadata":{"annotations":{"owner":"test"}}}',
    ]);
    assert.equal(
      await kubectl.ok(['get', 'vs', SeedVs, '-o', 'jsonpath={.metadata.annotations.owner}']),
      'test',
    );

    const split = JSON.stringify([
      { op: 'test', path: '/spec/http/0/route/0/weight', value: 100 },
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 70 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 30 },
    ]);
    await kubectl.ok(['patch', 'vs', SeedVs, '--type=json', '-p', split]);
    assert.equal(await weights(kubectl), '70 30');

    const failing = await kubectl.run(['patch', 'vs', SeedVs, '--type=json', '-p', split]);
    assert.notEqual(failing.code, 0);
    assert.match(failing.stderr, /the server rejected our request due to an error in our request/);
    assert.equal(await weights(kubectl), '70 30');

    const strategic = await kubectl.run(['patch', 'vs', SeedVs, '-p', '{"metadata":{"labels":{"a":"b"}}}']);
    assert.notEqual(strategic.code, 0);
    assert.match(strategic.stderr, /application\/strategic-merge-patch\+json is not supported/);
  });

  test('get -w: a change shows up as a new row', async () => {
    const watcher = kubectl.spawn(['get', 'vs', SeedVs, '-w']);
    let output = '';
    watcher.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    watcher.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await until(() => output.includes(SeedVs), 20_000);
      const rowsBefore = output.split('\n').filter((line) => line.startsWith(SeedVs)).length;
      await kubectl.ok([
        'patch',
        'vs',
        SeedVs,
        '--type=merge',
        '-p',
        '{"spec":{"hosts":["worker-service","watched"]}}',
      ]);
      await until(() => output.includes('["worker-service","watched"]'), 20_000);
      const rowsAfter = output.split('\n').filter((line) => line.startsWith(SeedVs)).length;
      assert.equal(rowsAfter, rowsBefore + 1, output);
    } finally {
      watcher.kill();
    }
  });

  test('apply -f creates, then modifies; replace with a stale object is a conflict; delete', async () => {
    const file = join(files, 'canary.yaml');
    const manifest = (hosts: string[]) =>
      [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        'metadata:',
        '  name: canary',
        'spec:',
        `  hosts: ${JSON.stringify(hosts)}`,
        '  http:',
        '    - route:',
        '        - destination: {host: canary}',
        '',
      ].join('\n');
    writeFileSync(file, manifest(['canary']));
    assert.match(
      await kubectl.ok(['apply', '-f', file]),
      /virtualservice\.networking\.istio\.io\/canary created/,
    );
    writeFileSync(file, manifest(['canary', 'canary-2']));
    assert.match(
      await kubectl.ok(['apply', '-f', file]),
      /virtualservice\.networking\.istio\.io\/canary configured/,
    );
    assert.equal(
      await kubectl.ok(['get', 'vs', 'canary', '-o', 'jsonpath={.spec.hosts}']),
      '["canary","canary-2"]',
    );
    assert.equal(await kubectl.ok(['get', 'vs', 'canary', '-o', 'jsonpath={.metadata.generation}']), '2');

    const stale = join(files, 'stale.yaml');
    writeFileSync(stale, await kubectl.ok(['get', 'vs', 'canary', '-o', 'yaml']));
    await kubectl.ok(['label', 'vs', 'canary', 'changed=yes']);
    const conflict = await kubectl.run(['replace', '-f', stale]);
    assert.notEqual(conflict.code, 0);
    assert.match(
      conflict.stderr,
      /Error from server \(Conflict\).*Operation cannot be fulfilled on virtualservices\.networking\.istio\.io "canary": the object has been modified; please apply your changes to the latest version and try again/,
    );
    const fresh = join(files, 'fresh.yaml');
    writeFileSync(fresh, await kubectl.ok(['get', 'vs', 'canary', '-o', 'yaml']));
    assert.match(await kubectl.ok(['replace', '-f', fresh]), /replaced/);

    const duplicate = await kubectl.run(['create', '-f', file]);
    assert.match(duplicate.stderr, /AlreadyExists.*"canary" already exists/);

    assert.match(await kubectl.ok(['delete', 'vs', 'canary']), /"canary" deleted/);
    const gone = await kubectl.run(['get', 'vs', 'canary']);
    assert.match(
      gone.stderr,
      /Error from server \(NotFound\): virtualservices\.networking\.istio\.io "canary" not found/,
    );
  });
});
