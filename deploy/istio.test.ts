import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { objectsOf, type KubeObject } from './support/repo.js';
import { renderOverlay } from './support/kustomize.js';
import { deploymentsOf, podLabels, selects, type DeploymentObject } from './support/workloads.js';
import { loadBuild, buildValues, substitute } from './support/cloudbuild.js';

interface Destination {
  host: string;
  subset?: string;
  port?: { number: number };
}
interface VirtualService extends KubeObject {
  spec: {
    hosts: string[];
    gateways?: string[];
    http: { name?: string; route: { destination: Destination; weight?: number }[] }[];
  };
}
interface DestinationRule extends KubeObject {
  spec: { host: string; subsets: { name: string; labels: Record<string, string> }[] };
}
interface IstioOperator extends KubeObject {
  spec: {
    profile?: string;
    values: { global: { meshID: string; network: string; multiCluster: { clusterName: string } } };
    components?: { ingressGateways?: { name: string; enabled: boolean }[] };
  };
}
interface AuthorizationPolicy extends KubeObject {
  spec: {
    selector?: { matchLabels: Record<string, string> };
    action?: string;
    rules?: { from?: { source: { principals?: string[] } }[]; to?: { operation: { ports?: string[] } }[] }[];
  };
}

const [workerVs] = objectsOf('istio/traffic/worker-virtualservice.yaml') as [VirtualService];
const [workerDr] = objectsOf('istio/traffic/worker-destinationrule.yaml') as [DestinationRule];
const installs = {
  primary: objectsOf('istio/install/primary.yaml')[0] as IstioOperator,
  burst: objectsOf('istio/install/burst.yaml')[0] as IstioOperator,
};
const policies = objectsOf('istio/security/authorization-policies.yaml') as AuthorizationPolicy[];
const policy = (name: string): AuthorizationPolicy => {
  const found = policies.find((p) => p.metadata?.name === name);
  assert.ok(found, `AuthorizationPolicy ${name}`);
  return found;
};
const principal = (serviceAccount: string) => `cluster.local/ns/default/sa/${serviceAccount}`;

describe('Istio objects', () => {
  test('the worker VirtualService (the contract the local control plane seeds from) keeps its shape', () => {
    assert.equal(workerVs.metadata?.name, 'worker-virtual-service');
    assert.equal(workerVs.metadata?.namespace, 'default');
    assert.equal(workerDr.metadata?.name, 'worker-destination-rule');
    assert.equal(workerDr.metadata?.namespace, 'default');
    assert.deepEqual(
      workerDr.spec.subsets.map((s) => [s.name, s.labels]),
      [
        ['primary', { 'topology.istio.io/cluster': 'primary' }],
        ['burst', { 'topology.istio.io/cluster': 'burst' }],
      ],
    );
  });

  test('shipped weights are integers summing to 100, over subsets the DestinationRule defines; start 100/0', () => {
    const subsets = new Set(workerDr.spec.subsets.map((s) => s.name));
    for (const route of workerVs.spec.http) {
      const weights = route.route.map((r) => r.weight ?? 0);
      assert.ok(
        weights.every((w) => Number.isInteger(w) && w >= 0 && w <= 100),
        String(weights),
      );
      assert.equal(
        weights.reduce((a, b) => a + b, 0),
        100,
      );
      for (const { destination } of route.route) {
        assert.ok(
          destination.subset && subsets.has(destination.subset),
          `subset ${String(destination.subset)}`,
        );
        assert.equal(destination.host, workerDr.spec.host, 'the DestinationRule is for the routed host');
      }
    }
    assert.deepEqual(
      workerVs.spec.http[0]?.route.map((r) => [r.destination.subset, r.weight]),
      [
        ['primary', 100],
        ['burst', 0],
      ],
    );
  });

  test('the subsets select the cluster IDs the mesh is installed with; one mesh, one network', () => {
    const clusterIds = Object.values(installs).map((i) => i.spec.values.global.multiCluster.clusterName);
    assert.deepEqual(clusterIds, ['primary', 'burst']);
    const subsetIds = workerDr.spec.subsets.map((s) => s.labels['topology.istio.io/cluster']);
    assert.deepEqual(subsetIds, clusterIds);
    const [primary, burst] = [installs.primary.spec.values.global, installs.burst.spec.values.global];
    assert.equal(primary.meshID, burst.meshID);
    assert.equal(primary.network, burst.network, 'one network: pods reach each other directly');
    // Only the primary has the ingress gateway the frontend Gateway selects.
    const gateway = (i: IstioOperator) =>
      i.spec.components?.ingressGateways?.find((g) => g.name === 'istio-ingressgateway');
    assert.equal(gateway(installs.primary)?.enabled, true);
    assert.equal(gateway(installs.burst)?.enabled, false);
  });

  test("multi-primary: every cluster is a primary, so the applier's targets are both clusters", () => {
    for (const install of Object.values(installs)) {
      assert.notEqual(install.spec.profile, 'remote', 'a remote profile would make this primary-remote');
      assert.equal(install.spec.profile ?? 'default', 'default');
    }
    const config = loadBuild();
    const values = buildValues(config);
    const envStep = config.steps.find((s) => s.id === 'function-env');
    const script = substitute(envStep?.args?.join('\n') ?? '', values);
    const targets = /SPILLWAY_TARGET_CLUSTERS: "([^"]+)"/.exec(script)?.[1]?.split(',') ?? [];
    assert.deepEqual(targets, [
      `projects/${values['PROJECT_ID'] ?? ''}/locations/${values['_PRIMARY_LOCATION'] ?? ''}/clusters/${values['_PRIMARY_CLUSTER'] ?? ''}`,
      `projects/${values['PROJECT_ID'] ?? ''}/locations/${values['_BURST_LOCATION'] ?? ''}/clusters/${values['_BURST_CLUSTER'] ?? ''}`,
    ]);
  });

  test('mutual TLS is STRICT for the namespace', () => {
    const [peer] = objectsOf('istio/security/peer-authentication.yaml') as [
      KubeObject & { spec: { mtls: { mode: string } } },
    ];
    assert.equal(peer.metadata?.namespace, 'default');
    assert.equal(peer.spec.mtls.mode, 'STRICT');
    assert.equal((peer.spec as { selector?: unknown }).selector, undefined, 'the whole namespace');
  });

  test('AuthorizationPolicies: deny by default; only the frontend calls workers; only workers and frontend reach Redis', async () => {
    const primary = await renderOverlay('primary');
    const burst = await renderOverlay('burst');
    const accountOf = (objects: KubeObject[], app: string): string => {
      const [deployment] = deploymentsOf(objects).filter((d) => podLabels(d)['app'] === app);
      const account = deployment?.spec?.template.spec?.serviceAccountName;
      assert.ok(account, `no pods for app=${app}`);
      return account;
    };
    const frontendSa = accountOf(primary, 'frontend');
    const workerSa = accountOf(primary, 'worker');
    assert.equal(accountOf(burst, 'worker'), workerSa, 'burst workers have the same identity');

    const allowNothing = policy('allow-nothing');
    assert.deepEqual(allowNothing.spec, {});
    assert.equal(allowNothing.metadata?.namespace, 'default');

    const sources = (p: AuthorizationPolicy): string[] =>
      (p.spec.rules ?? [])
        .flatMap((r) => r.from ?? [])
        .flatMap((f) => f.source.principals ?? [])
        .sort();
    const selected = (p: AuthorizationPolicy, objects: KubeObject[]): DeploymentObject[] =>
      deploymentsOf(objects).filter((d) => selects(p.spec.selector?.matchLabels ?? {}, podLabels(d)));

    const worker = policy('worker-from-frontend');
    assert.deepEqual(sources(worker), [principal(frontendSa)]);
    assert.deepEqual(
      selected(worker, primary).map((d) => d.metadata?.name),
      ['worker-deployment'],
    );
    assert.deepEqual(
      selected(worker, burst).map((d) => d.metadata?.name),
      ['worker-deployment'],
    );

    const redis = policy('redis-from-workers-and-frontend');
    assert.deepEqual(sources(redis), [principal(frontendSa), principal(workerSa)].sort());
    assert.deepEqual(
      selected(redis, primary).map((d) => d.metadata?.name),
      ['redis-cache'],
    );
    assert.deepEqual(
      redis.spec.rules?.flatMap((r) => r.to ?? []).flatMap((t) => t.operation.ports ?? []),
      ['6379'],
    );

    const frontend = policy('frontend-from-ingress');
    assert.deepEqual(sources(frontend), [
      'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
    ]);
    assert.deepEqual(
      selected(frontend, primary).map((d) => d.metadata?.name),
      ['frontend-deployment'],
    );

    for (const p of policies) {
      assert.equal(p.metadata?.namespace, 'default');
      if (p !== allowNothing) assert.equal(p.spec.action, 'ALLOW');
    }
  });

  test('the frontend Gateway and its VirtualService reach the frontend Service through the primary ingress gateway', async () => {
    const [gateway, vs] = objectsOf('istio/traffic/frontend-gateway.yaml') as [
      KubeObject & {
        spec: { selector: Record<string, string>; servers: { port: { number: number; protocol: string } }[] };
      },
      VirtualService,
    ];
    assert.deepEqual(gateway.spec.selector, { istio: 'ingressgateway' });
    assert.deepEqual(vs.spec.gateways, [gateway.metadata?.name]);
    const primary = await renderOverlay('primary');
    for (const { destination } of vs.spec.http.flatMap((h) => h.route)) {
      const [name, namespace] = destination.host.split('.');
      assert.equal(namespace, 'default');
      const service = primary.find((o) => o.kind === 'Service' && o.metadata?.name === name) as
        (KubeObject & { spec: { ports: { port: number }[] } }) | undefined;
      assert.ok(service, `no Service ${String(name)}`);
      assert.ok(service.spec.ports.some((p) => p.port === destination.port?.number));
    }
  });

  test('Managed Prometheus scrapes the sidecars of the namespace (the source of istio_requests_total)', () => {
    const [monitoring] = objectsOf('istio/telemetry/envoy-podmonitoring.yaml') as [
      KubeObject & {
        spec: {
          selector: { matchLabels: Record<string, string> };
          endpoints: { port: number; path: string }[];
        };
      },
    ];
    assert.equal(monitoring.metadata?.namespace, 'default');
    assert.deepEqual(monitoring.spec.selector.matchLabels, { 'security.istio.io/tlsMode': 'istio' });
    assert.deepEqual(
      monitoring.spec.endpoints.map((e) => [e.port, e.path]),
      [[15090, '/stats/prometheus']],
    );
  });
});
