import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { createLogger } from '../../core/logger.js';
import { freePort } from '../ports.js';
import { listenOnLoopback } from '../test-support/listen-loopback.js';
import { makeEndpoint, type EndpointSpec } from './endpoints.js';
import { createForwarder } from './forward.js';
import {
  IstioDurationBucketsMs,
  IstioLabelNames,
  createMeshMetrics,
  type MeshMetrics,
} from './istio-metrics.js';
import { buildRouteTable, type RouteTable } from './route-table.js';
import { sampleSum, startUpstream, type TestUpstream } from './test-support.js';
import { UpstreamPools } from './upstream-pools.js';

const SERVICE = 'worker-service.default.svc.cluster.local';

const virtualService = (primary: number, burst: number) => ({
  metadata: { name: 'worker-virtual-service', namespace: 'default' },
  spec: {
    hosts: ['worker-service'],
    http: [
      {
        name: 'worker',
        route: [
          { destination: { host: SERVICE, subset: 'primary' }, weight: primary },
          { destination: { host: SERVICE, subset: 'burst' }, weight: burst },
        ],
      },
    ],
  },
});

const destinationRule = {
  metadata: { name: 'worker-destination-rule', namespace: 'default' },
  spec: {
    host: SERVICE,
    subsets: [
      { name: 'primary', labels: { 'topology.istio.io/cluster': 'primary' } },
      { name: 'burst', labels: { 'topology.istio.io/cluster': 'burst' } },
    ],
  },
};

function tableFor(weights: [number, number], endpoints: EndpointSpec[]): RouteTable {
  const result = buildRouteTable({
    service: { host: SERVICE, namespace: 'default' },
    virtualServiceName: 'worker-virtual-service',
    virtualServices: [virtualService(...weights)],
    destinationRules: [destinationRule],
    endpoints: endpoints.map(makeEndpoint),
    context: { sourceLabels: {}, sourceNamespace: 'default', servicePort: 80 },
  });
  if (!result.ok) assert.fail(result.problem);
  return result.table;
}

const inCluster = (url: string, cluster: string): EndpointSpec => ({
  url,
  labels: { 'topology.istio.io/cluster': cluster, app: 'worker' },
  workload: `worker-${cluster}`,
});

/** The forwarder on its own server, with a table the test sets. */
async function startProxy(): Promise<{
  url: string;
  metrics: MeshMetrics;
  setTable(t: RouteTable): void;
  close(): Promise<void>;
}> {
  let table: RouteTable | undefined;
  const metrics = createMeshMetrics({
    serviceHost: SERVICE,
    source: { workload: 'frontend-deployment', app: 'frontend', namespace: 'default', cluster: 'primary' },
  });
  const pools = new UpstreamPools();
  const server: Server = createServer(
    createForwarder({
      table: () => table ?? assert.fail('no table set'),
      pools,
      metrics,
      random: Math.random,
      logger: createLogger({ service: 'mesh-test', level: 'silent' }),
    }),
  );
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    metrics,
    setTable: (t) => (table = t),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pools.close(true);
    },
  };
}

describe('forwarding through the proxy', () => {
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let echo: TestUpstream;
  let burst: TestUpstream;

  before(async () => {
    proxy = await startProxy();
    echo = await startUpstream('primary', (req, res, body) => {
      if (req.url === '/custom') {
        res.writeHead(
          201,
          [
            ['set-cookie', 'a=1'],
            ['set-cookie', 'b=2'],
            ['x-custom', 'kept'],
            ['connection', 'keep-alive, x-hop'],
            ['x-hop', 'dropped'],
          ].flat(),
        );
        res.end('created');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          headers: req.headers,
          length: body.length,
          sha: createHash('sha256').update(body).digest('hex'),
        }),
      );
    });
    burst = await startUpstream('burst');
    proxy.setTable(tableFor([100, 0], [inCluster(echo.url, 'primary'), inCluster(burst.url, 'burst')]));
  });
  after(async () => {
    await proxy.close();
    await echo.close();
    await burst.close();
  });

  test('method, path, query, headers and a streamed body reach the upstream; hop-by-hop headers do not', async () => {
    const payload = Buffer.alloc(2 * 1024 * 1024, 7);
    type Seen = { method: string; url: string; headers: Record<string, string>; length: number; sha: string };
    // node:http, not undici, as the client: undici refuses to send hop-by-hop headers itself.
    const seen = await new Promise<Seen>((resolve, reject) => {
      const req = httpRequest(`${proxy.url}/hash/x?y=1&z=%20`, {
        method: 'PUT',
        headers: {
          'x-custom': 'yes',
          connection: 'keep-alive, x-private',
          'x-private': 'secret',
          'proxy-authorization': 'p',
          'keep-alive': 'timeout=5',
        },
      });
      req.on('response', (res) => {
        assert.equal(res.statusCode, 200);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Seen));
      });
      req.on('error', reject);
      // No content-length: the body goes chunked, in eight parts.
      for (let i = 0; i < 8; i++) req.write(payload.subarray(i * 262144, (i + 1) * 262144));
      req.end();
    });
    assert.equal(seen.method, 'PUT');
    assert.equal(seen.url, '/hash/x?y=1&z=%20');
    assert.equal(seen.headers['x-custom'], 'yes');
    for (const hop of ['x-private', 'proxy-authorization', 'keep-alive'])
      assert.equal(seen.headers[hop], undefined, hop);
    assert.equal(seen.length, payload.length);
    assert.equal(seen.sha, createHash('sha256').update(payload).digest('hex'));
  });

  test('GET and HEAD without a body; a POST with a JSON body', async () => {
    const get = await request(`${proxy.url}/`, { method: 'GET' });
    assert.equal(((await get.body.json()) as { method: string }).method, 'GET');
    const head = await request(`${proxy.url}/`, { method: 'HEAD' });
    assert.equal(head.statusCode, 200);
    await head.body.dump();
    const post = await request(`${proxy.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"str":"abc"}',
    });
    const seen = (await post.body.json()) as { length: number; headers: Record<string, string> };
    assert.equal(seen.length, 13);
    assert.equal(seen.headers['content-type'], 'application/json');
  });

  test("the upstream's status, headers and body come back unchanged (without hop-by-hop headers)", async () => {
    const res = await request(`${proxy.url}/custom`);
    assert.equal(res.statusCode, 201);
    assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(res.headers['x-custom'], 'kept');
    assert.equal(res.headers['x-hop'], undefined);
    assert.equal(await res.body.text(), 'created');
  });

  test('every forwarded request is counted with the destination workload, cluster and code', async () => {
    const before = sampleSum(await proxy.metrics.registry.metrics(), 'istio_requests_total', {
      response_code: '200',
    });
    for (let i = 0; i < 5; i++) await (await request(`${proxy.url}/`)).body.dump();
    const text = await proxy.metrics.registry.metrics();
    const labels = {
      reporter: 'destination',
      source_workload: 'frontend-deployment',
      destination_service: SERVICE,
      destination_workload: 'worker-primary',
      destination_cluster: 'primary',
      destination_app: 'worker',
      response_code: '200',
      response_flags: '-',
    };
    assert.equal(sampleSum(text, 'istio_requests_total', labels) - before, 5);
    const line = text.split('\n').find((l) => l.startsWith('istio_requests_total{')) ?? '';
    const names = [...line.matchAll(/([a-z_]+)="/g)].map((m) => m[1]);
    assert.deepEqual(names, [...IstioLabelNames]);
    const les = new Set(
      [...text.matchAll(/^istio_request_duration_milliseconds_bucket\{.*\ble="([^"]+)"/gm)].map((m) => m[1]),
    );
    assert.deepEqual([...les], [...IstioDurationBucketsMs.map(String), '+Inf']);
  });
});

describe('local replies through the proxy', () => {
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  before(async () => {
    proxy = await startProxy();
  });
  after(async () => proxy.close());

  const count = async (labels: Record<string, string>) =>
    sampleSum(await proxy.metrics.registry.metrics(), 'istio_requests_total', labels);

  test('an endpoint that refuses connections: 503 UF, counted with its workload', async () => {
    const closedPort = await freePort();
    proxy.setTable(tableFor([100, 0], [inCluster(`http://127.0.0.1:${closedPort}`, 'primary')]));
    const res = await request(`${proxy.url}/`, { method: 'POST', body: '{"str":"x"}' });
    assert.equal(res.statusCode, 503);
    assert.match(
      await res.body.text(),
      /^upstream connect error or disconnect\/reset before headers\. reset reason: connection failure \(http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\)\n$/,
    );
    assert.equal(
      await count({ response_code: '503', response_flags: 'UF', destination_workload: 'worker-primary' }),
      1,
    );
  });

  test('a subset without endpoints: 503 "no healthy upstream", counted as 503 UH', async () => {
    const upstream = await startUpstream('primary');
    proxy.setTable(tableFor([0, 100], [inCluster(upstream.url, 'primary')]));
    for (let i = 0; i < 3; i++) {
      const res = await request(`${proxy.url}/`);
      assert.equal(res.statusCode, 503);
      assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
      assert.match(await res.body.text(), /^no healthy upstream: subset "burst"/);
    }
    assert.equal(
      await count({ response_code: '503', response_flags: 'UH', destination_workload: 'unknown' }),
      3,
    );
    assert.equal(upstream.served(), 0);
    await upstream.close();
  });

  test('an upstream that drops the connection before answering: 503 UC', async () => {
    const rude = createServer((req) => req.socket.destroy());
    const url = `http://127.0.0.1:${await listenOnLoopback(rude)}`;
    proxy.setTable(tableFor([100, 0], [inCluster(url, 'primary')]));
    const res = await request(`${proxy.url}/`);
    assert.equal(res.statusCode, 503);
    assert.match(await res.body.text(), /reset reason: connection termination/);
    assert.equal(await count({ response_code: '503', response_flags: 'UC' }), 1);
    rude.close();
  });
});
