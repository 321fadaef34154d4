/**
 * The mesh while the Kubernetes API is not there yet, and across a restart of it: 503 with the reason until
 * the VirtualService is known, then the routes; the watch comes back by itself after the API does.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createLogger } from '../../core/logger.js';
import { startControlPlane } from '../control-plane/index.js';
import { Kubectl, tempDir, weightsPatch } from '../control-plane/test-helpers.js';
import { freePort } from '../ports.js';
import { until } from '../test-support/wait.js';
import { startMesh } from './index.js';
import { sampleSum, startUpstream } from './test-support.js';

const logger = createLogger({ service: 'mesh-test', level: 'silent' });

describe('the mesh before and after the Kubernetes API is reachable', () => {
  test('503 with the reason until the VirtualService is known; then routes, also after an API restart', async () => {
    const apiPort = await freePort();
    const dir = tempDir('mesh-late');
    const kubeconfigPath = join(dir, 'kubeconfig-written-first');
    // Written by hand (no insecure-skip-tls-verify, as kubectl would accept it): the API comes later.
    writeFileSync(
      kubeconfigPath,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: late',
        `clusters: [{name: late, cluster: {server: "http://127.0.0.1:${apiPort}"}}]`,
        'users: [{name: late, user: {}}]',
        'contexts: [{name: late, context: {cluster: late, user: late, namespace: default}}]',
      ].join('\n'),
    );
    // The same kubeconfig serves kubectl (namespace default), which needs no TLS flag for plain http.
    const kubectl = new Kubectl(kubeconfigPath);
    const upstream = await startUpstream('primary');
    const mesh = await startMesh({
      kubeconfigPath,
      endpoints: [
        {
          url: upstream.url,
          labels: { 'topology.istio.io/cluster': 'primary' },
          workload: 'worker-deployment',
        },
      ],
      logger,
      backoff: () => 50,
    });
    try {
      const early = await fetch(mesh.url, { method: 'POST', body: '{}' });
      assert.equal(early.status, 503);
      assert.match(
        await early.text(),
        /no VirtualService default\/worker-virtual-service known yet: waiting for the Kubernetes API/,
      );
      const ready = await fetch(`${mesh.adminUrl}healthz/ready`);
      assert.equal(ready.status, 503);
      await ready.body?.cancel();

      let controlPlane = await startControlPlane({ port: apiPort, dataDir: join(dir, 'cp') });
      await until(
        async () => (await (await fetch(mesh.url, { method: 'POST', body: '{}' })).text()) === 'primary',
        20_000,
      );

      // The API goes away and comes back (state kept in its directory): the watch is re-established.
      await controlPlane.close();
      controlPlane = await startControlPlane({ port: apiPort, dataDir: join(dir, 'cp') });
      await kubectl.ok([
        'patch',
        'virtualservice',
        'worker-virtual-service',
        '--type=json',
        '-p',
        JSON.stringify(weightsPatch(0, 100)),
      ]);
      await until(
        async () => /no healthy upstream: subset "burst"/.test(await (await fetch(mesh.url)).text()),
        20_000,
      );
      await controlPlane.close();
      const text = await (await fetch(`${mesh.adminUrl}metrics`)).text();
      assert.ok(sampleSum(text, 'istio_requests_total', { response_code: '503', response_flags: 'NC' }) >= 1);
      assert.ok(sampleSum(text, 'spillway_mesh_watch_restarts_total', {}) >= 1);
    } finally {
      await mesh.close();
      await upstream.close();
      kubectl.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
