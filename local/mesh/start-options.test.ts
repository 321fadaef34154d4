import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { listenOnLoopback } from '../test-support/listen-loopback.js';
import { startMesh, type MeshOptions } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'spillway-mesh-options-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const kubeconfig = file(
  'kubeconfig',
  [
    'apiVersion: v1',
    'kind: Config',
    'current-context: c',
    'clusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]',
    'users: [{name: u, user: {}}]',
    'contexts: [{name: c, context: {cluster: c, user: u}}]',
  ].join('\n'),
);

const endpoint = { url: 'http://127.0.0.1:8081', labels: { app: 'worker' }, workload: 'worker-deployment' };

test('startMesh refuses bad options with a message saying which', async () => {
  const cases: [Partial<MeshOptions>, RegExp][] = [
    [{ kubeconfigPath: join(dir, 'missing') }, /kubeconfig .*missing does not exist/],
    [{ kubeconfigPath: file('not-yaml', ': : :\n\t- [') }, /cannot read kubeconfig .*not-yaml/],
    [
      { kubeconfigPath: file('no-context', 'apiVersion: v1\nkind: Config\nclusters: []\n') },
      /has no current context with a cluster/,
    ],
    [
      {
        kubeconfigPath: file(
          'not-http',
          'apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: c, cluster: {server: "unix:///x"}}]\n' +
            'users: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n',
        ),
      },
      /the server "unix:\/\/\/x" is not an http\(s\) URL/,
    ],
    [{ namespace: 'Not_A_Namespace' }, /namespace "Not_A_Namespace" is not a Kubernetes namespace name/],
    [{ virtualService: 'bad name' }, /VirtualService name "bad name" is not a Kubernetes object name/],
    [{ destinationRule: 'UPPER' }, /DestinationRule name "UPPER" is not a Kubernetes object name/],
    [{ port: 70000 }, /port must be an integer from 0 to 65535 \(got 70000\)/],
    [{ adminPort: 1.5 }, /adminPort must be an integer/],
    [{ endpoints: [{ url: 'localhost:8081', labels: {} }] }, /endpoint URL localhost:8081 must be http/],
    [{ endpoints: [{ url: 'http://127.0.0.1:1', labels: { 'a b': 'x' } }] }, /label key "a b" is invalid/],
  ];
  for (const [overrides, expected] of cases) {
    await assert.rejects(
      startMesh({ kubeconfigPath: kubeconfig, endpoints: [endpoint], port: 0, adminPort: 0, ...overrides }),
      expected,
      JSON.stringify(overrides),
    );
  }
});

test('a port in use: startMesh rejects naming the port and the listener', async () => {
  const taken = createServer();
  const port = await listenOnLoopback(taken);
  try {
    await assert.rejects(
      startMesh({ kubeconfigPath: kubeconfig, endpoints: [endpoint], port: 0, adminPort: port }),
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} for the mesh admin port: EADDRINUSE`),
    );
  } finally {
    taken.close();
  }
});
