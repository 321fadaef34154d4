import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { startListening } from '../child-process.js';
import { startTestControlPlane } from '../control-plane/test-helpers.js';
import { freePort } from '../ports.js';
import { until } from '../test-support/wait.js';
import { DEFAULT_ADMIN_PORT, DEFAULT_PORT, parseMeshArgs } from './cli.js';
import { startUpstream } from './test-support.js';
import { childEnv } from '../child-env.js';

const BIN = fileURLToPath(new URL('../../bin/spillway.mjs', import.meta.url));
const ENDPOINT =
  'http://127.0.0.1:8081,topology.istio.io/cluster=primary,app=worker,workload=worker-deployment';

describe('spillway mesh arguments', () => {
  test('the defaults and every option', () => {
    const minimal = parseMeshArgs(['--kubeconfig', 'k', '--endpoint', ENDPOINT]);
    assert.notEqual(minimal, 'help');
    if (minimal === 'help') return;
    assert.equal(minimal.options.port, DEFAULT_PORT);
    assert.equal(minimal.options.adminPort, DEFAULT_ADMIN_PORT);
    assert.deepEqual(minimal.options.source, {
      workload: 'frontend-deployment',
      app: 'frontend',
      cluster: 'primary',
    });
    assert.deepEqual(minimal.options.endpoints, [
      {
        url: 'http://127.0.0.1:8081',
        labels: { 'topology.istio.io/cluster': 'primary', app: 'worker' },
        workload: 'worker-deployment',
      },
    ]);
    const full = parseMeshArgs([
      '--kubeconfig=k',
      '--endpoint',
      ENDPOINT,
      '--endpoint',
      'http://127.0.0.1:8082,cluster-type=burst-cluster',
      '--port',
      '0',
      '--admin-port=15090',
      '--host',
      '0.0.0.0',
      '--namespace',
      'prod',
      '--service',
      'hashr',
      '--virtual-service',
      'vs',
      '--destination-rule',
      'dr',
      '--source-workload',
      'loadgen',
      '--source-app',
      'lg',
      '--source-cluster',
      'burst',
      '--log-level',
      'debug',
    ]);
    assert.notEqual(full, 'help');
    if (full === 'help') return;
    assert.equal(full.logLevel, 'debug');
    assert.equal(full.options.endpoints.length, 2);
    assert.deepEqual(
      { ...full.options, endpoints: undefined },
      {
        kubeconfigPath: 'k',
        endpoints: undefined,
        port: 0,
        adminPort: 15090,
        listenHost: '0.0.0.0',
        namespace: 'prod',
        host: 'hashr',
        virtualService: 'vs',
        destinationRule: 'dr',
        source: { workload: 'loadgen', app: 'lg', cluster: 'burst' },
      },
    );
    assert.equal(parseMeshArgs(['--help']), 'help');
  });

  test('bad arguments say what is wrong', () => {
    const base = ['--kubeconfig', 'k', '--endpoint', ENDPOINT];
    const cases: [string[], RegExp][] = [
      [['--endpoint', ENDPOINT], /--kubeconfig FILE is required/],
      [['--kubeconfig', 'k'], /at least one --endpoint/],
      [[...base, '--port', 'abc'], /--port must be a port number from 0 to 65535 \(got "abc"\)/],
      [[...base, '--port', '70000'], /--port must be a port number/],
      [[...base, '--admin-port', '-1'], /--admin-port must be a port number/],
      [[...base, '--port'], /--port needs a value/],
      [[...base, '--port', '--admin-port', '1'], /--port needs a value/],
      [[...base, '--verbose'], /unknown option --verbose/],
      [[...base, '--colour=yes'], /unknown option --colour/],
      [[...base, 'extra'], /unexpected argument "extra"/],
      [[...base, '--port', '1', '--port', '2'], /--port is given twice/],
      [[...base, '--log-level', 'loud'], /--log-level must be one of fatal, error/],
      [[...base, '--namespace='], /--namespace is empty/],
      [
        ['--kubeconfig', 'k', '--endpoint', 'localhost:8081'],
        /--endpoint "localhost:8081": endpoint URL localhost:8081 must be http/,
      ],
      [['--kubeconfig', 'k', '--endpoint', 'http://127.0.0.1:1,app'], /"app" is not label=value/],
    ];
    for (const [args, expected] of cases) assert.throws(() => parseMeshArgs(args), expected, args.join(' '));
  });

  test('npx spillway mesh with a bad flag exits 2 with the reason and the usage', async () => {
    const result = await promisify(execFile)(
      process.execPath,
      [BIN, 'mesh', '--kubeconfig', 'k', '--endpoint', ENDPOINT, '--port', 'eighty'],
      { env: childEnv() },
    )
      .then(() => assert.fail('exited 0'))
      .catch((err: { code?: number; stderr?: string }) => err);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr ?? '',
      /^spillway mesh: --port must be a port number from 0 to 65535 \(got "eighty"\)\n\nusage: spillway mesh/,
    );
  });

  test('npx spillway mesh with a kubeconfig that does not exist exits 1 saying so', async () => {
    const result = await promisify(execFile)(
      process.execPath,
      [
        BIN,
        'mesh',
        '--kubeconfig',
        '/nonexistent/kubeconfig',
        '--endpoint',
        ENDPOINT,
        '--port',
        '0',
        '--admin-port',
        '0',
      ],
      { env: childEnv() },
    )
      .then(() => assert.fail('exited 0'))
      .catch((err: { code?: number; stderr?: string }) => err);
    assert.equal(result.code, 1);
    assert.match(result.stderr ?? '', /kubeconfig \/nonexistent\/kubeconfig does not exist/);
  });
});

test('npx spillway mesh serves the route of the control plane and stops cleanly on SIGTERM', async () => {
  const controlPlane = await startTestControlPlane();
  const worker = await startUpstream('primary');
  const [port, adminPort] = [await freePort(), await freePort()];
  const mesh = await startListening({
    name: 'spillway mesh',
    command: process.execPath,
    args: [
      BIN,
      'mesh',
      '--kubeconfig',
      controlPlane.kubeconfigPath,
      '--port',
      String(port),
      '--admin-port',
      String(adminPort),
      '--endpoint',
      `${worker.url},topology.istio.io/cluster=primary,app=worker,workload=worker-deployment`,
    ],
    env: childEnv(),
    port,
    readyTimeoutMs: 30_000,
  });
  try {
    await until(
      async () =>
        (await (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' })).text()) ===
        'primary',
      20_000,
    );
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/stats/prometheus`)).text();
    assert.match(
      metrics,
      /istio_requests_total\{reporter="destination",source_workload="frontend-deployment",.*destination_workload="worker-deployment".*response_code="200"/,
    );
    assert.match(
      mesh.output(),
      new RegExp(
        `proxy http://127\\.0\\.0\\.1:${port}/, metrics http://127\\.0\\.0\\.1:${adminPort}/stats/prometheus`,
      ),
    );
  } finally {
    await mesh.stop();
    await controlPlane.dispose();
    await worker.close();
  }
  assert.equal(mesh.process.exitCode, 0, mesh.output());
});
