import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IService } from 'kubernetes-models/v1/Service';
import { objectsOf, describeObject, type KubeObject } from './support/repo.js';
import { renderOverlay, overlays } from './support/kustomize.js';
import { validationProblems } from './support/schemas.js';
import {
  backendsOf,
  containersOf,
  deploymentsOf,
  envOf,
  named,
  ofKind,
  podLabels,
  resolvePort,
  selects,
  servicesOf,
  type DeploymentObject,
} from './support/workloads.js';

const workerVirtualService = objectsOf('istio/traffic/worker-virtualservice.yaml')[0];
const names = (objects: { metadata?: { name?: string } }[]): string[] =>
  objects.map((o) => o.metadata?.name ?? '').sort();

describe('kustomize overlays (rendered with kubectl kustomize)', () => {
  for (const overlay of overlays) {
    test(`${overlay}: renders, and every rendered object validates with no unknown field`, async () => {
      const objects = await renderOverlay(overlay);
      assert.deepEqual(objects.flatMap(validationProblems), []);
      for (const object of objects)
        assert.equal(object.metadata?.namespace, 'default', describeObject(object));
    });

    test(`${overlay}: every pod carries the codelab's cluster-type label and runs as its own ServiceAccount`, async () => {
      const objects = await renderOverlay(overlay);
      const accounts = names(ofKind(objects, 'ServiceAccount'));
      for (const deployment of deploymentsOf(objects)) {
        assert.equal(podLabels(deployment)['cluster-type'], `${overlay}-cluster`, deployment.metadata?.name);
        const account = deployment.spec?.template.spec?.serviceAccountName;
        assert.ok(account && accounts.includes(account), `${deployment.metadata?.name}: ${String(account)}`);
        assert.notEqual(account, 'default');
        // The cluster-type label is not part of any selector: selectors stay valid across clusters.
        assert.equal(deployment.spec?.selector.matchLabels?.['cluster-type'], undefined);
      }
    });

    test(`${overlay}: Services, PodDisruptionBudgets and autoscalers point at real pods and ports`, async () => {
      const objects = await renderOverlay(overlay);
      for (const service of servicesOf(objects)) {
        const backends = backendsOf(service, objects);
        if (overlay === 'burst' && service.metadata?.name === 'redis-cache-service') {
          // A name for DNS only: the Redis pod runs in the primary cluster (checked below).
          assert.equal(backends.length, 0);
          continue;
        }
        assert.equal(backends.length, 1, `${service.metadata?.name} selects ${backends.length} Deployments`);
        const backend = backends[0] as DeploymentObject;
        for (const port of service.spec?.ports ?? []) {
          const served = containersOf(backend).some((c) => {
            try {
              return c.ports?.some((p) => p.containerPort === resolvePort(c, port.targetPort)) ?? false;
            } catch {
              return false;
            }
          });
          assert.ok(
            served,
            `${service.metadata?.name}:${port.port} → ${String(port.targetPort)} is not served`,
          );
        }
      }
      for (const pdb of ofKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget')) {
        const selected = deploymentsOf(objects).filter((d) =>
          selects(pdb.spec?.selector?.matchLabels ?? {}, podLabels(d)),
        );
        assert.equal(selected.length, 1, `${pdb.metadata?.name} selects ${selected.length} Deployments`);
        assert.equal(pdb.spec?.unhealthyPodEvictionPolicy, 'AlwaysAllow');
      }
      for (const deployment of deploymentsOf(objects)) {
        const covered = ofKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget').some((pdb) =>
          selects(pdb.spec?.selector?.matchLabels ?? {}, podLabels(deployment)),
        );
        assert.ok(covered, `${deployment.metadata?.name} has no PodDisruptionBudget`);
      }
    });
  }

  test('primary runs the frontend, Redis and fixed workers without a prefix; no autoscaler', async () => {
    const objects = await renderOverlay('primary');
    assert.deepEqual(names(deploymentsOf(objects)), [
      'frontend-deployment',
      'redis-cache',
      'worker-deployment',
    ]);
    assert.deepEqual(names(servicesOf(objects)), [
      'frontend-service',
      'redis-cache-service',
      'worker-service',
    ]);
    assert.equal(ofKind(objects, 'HorizontalPodAutoscaler').length, 0);
    const worker = named<DeploymentObject>(objects, 'Deployment', 'worker-deployment');
    assert.ok((worker.spec?.replicas ?? 0) >= 2);
    const env = envOf(containersOf(worker)[0] ?? { name: 'none' });
    assert.equal(env['PREFIX'], undefined);
    assert.equal(env['CLUSTER_NAME'], 'primary');
    // Redis for the burst cluster's DNS name: the one Service there without local pods.
    const burstRedis = named<IService>(await renderOverlay('burst'), 'Service', 'redis-cache-service');
    assert.equal(backendsOf(burstRedis, objects).length, 1);
  });

  test('burst runs only prefixed workers, scaled by an autoscaler that owns the replica count', async () => {
    const objects = await renderOverlay('burst');
    assert.deepEqual(names(deploymentsOf(objects)), ['worker-deployment']);
    assert.deepEqual(names(servicesOf(objects)), ['redis-cache-service', 'worker-service']);
    const worker = named<DeploymentObject>(objects, 'Deployment', 'worker-deployment');
    assert.equal(worker.spec?.replicas, undefined, 'replicas must be left to the HorizontalPodAutoscaler');
    const container = containersOf(worker)[0] ?? { name: 'none' };
    assert.equal(envOf(container)['PREFIX'], 'bursty-');
    assert.equal(envOf(container)['CLUSTER_NAME'], 'burst');
    const [hpa, ...more] = ofKind<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
    assert.equal(more.length, 0);
    assert.deepEqual(hpa?.spec?.scaleTargetRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'worker-deployment',
    });
    assert.ok((hpa?.spec?.minReplicas ?? 0) >= 2, 'two replicas at least: a drain never empties the subset');
    const metric = hpa?.spec?.metrics?.[0];
    assert.equal(metric?.type, 'ContainerResource');
    assert.equal(metric?.containerResource?.container, container.name);
    // Utilization is measured against the request: the worker container must declare one.
    assert.ok(container.resources?.requests?.['cpu']);
  });

  test('images are symbolic: only the build (or the guide) decides which registry and tag are deployed', async () => {
    for (const overlay of overlays) {
      for (const deployment of deploymentsOf(await renderOverlay(overlay))) {
        for (const container of containersOf(deployment)) {
          assert.match(container.image ?? '', /^spillway-(worker|frontend|redis)$/, container.name);
        }
      }
    }
  });

  test('RBAC: the frontend may only read and watch the worker VirtualService, the applier only get/patch it', async () => {
    const vsName = workerVirtualService?.metadata?.name;
    assert.equal(vsName, 'worker-virtual-service');
    const primary = await renderOverlay('primary');
    const burst = await renderOverlay('burst');
    const rulesOf = (objects: typeof primary, role: string) =>
      named<IRole>(objects, 'Role', role).rules ?? [];
    const onlyTheVirtualService = (verbs: string[]) => [
      {
        apiGroups: ['networking.istio.io'],
        resources: ['virtualservices'],
        resourceNames: [vsName],
        verbs,
      },
    ];
    assert.deepEqual(
      rulesOf(primary, 'spillway-frontend-routing-reader'),
      onlyTheVirtualService(['get', 'list', 'watch']),
    );
    const frontend = named<DeploymentObject>(primary, 'Deployment', 'frontend-deployment');
    const frontendBinding = named<IRoleBinding>(primary, 'RoleBinding', 'spillway-frontend-routing-reader');
    assert.deepEqual(frontendBinding.subjects, [
      {
        kind: 'ServiceAccount',
        name: frontend.spec?.template.spec?.serviceAccountName,
        namespace: 'default',
      },
    ]);
    assert.equal(frontend.spec?.template.spec?.automountServiceAccountToken, true);
    // The routing panel watches exactly the object the Role names, in the RoleBinding's namespace.
    const frontendEnv = envOf(containersOf(frontend).find((c) => c.name === 'frontend') ?? { name: 'none' });
    assert.equal(frontendEnv['ROUTING_VIRTUAL_SERVICE'], vsName);
    assert.equal(frontendEnv['ROUTING_NAMESPACE'], 'default');
    assert.equal(frontendEnv['ROUTING_KUBECONFIG'], undefined, 'in a cluster: the ServiceAccount');
    assert.equal(
      ofKind(burst, 'RoleBinding').some((b) => b.metadata?.name === frontendBinding.metadata?.name),
      false,
    );

    // Multi-primary: each cluster holds a copy of the VirtualService, so the applier is bound in both.
    for (const objects of [primary, burst]) {
      assert.deepEqual(rulesOf(objects, 'spillway-applier'), onlyTheVirtualService(['get', 'patch']));
      const binding = named<IRoleBinding>(objects, 'RoleBinding', 'spillway-applier');
      assert.equal(binding.roleRef.name, 'spillway-applier');
      assert.equal(binding.subjects?.length, 1);
      assert.equal(binding.subjects?.[0]?.kind, 'User');
      assert.match(
        binding.subjects?.[0]?.name ?? '',
        /^spillway-applier@[A-Za-z0-9_-]+\.iam\.gserviceaccount\.com$/,
      );
      // No ClusterRoles, no wildcards anywhere.
      for (const role of ofKind<IRole>(objects, 'Role')) {
        for (const rule of role.rules ?? []) {
          for (const list of [rule.verbs, rule.resources ?? [], rule.apiGroups ?? []]) {
            assert.ok(!list.includes('*'), `${role.metadata?.name} uses a wildcard`);
          }
        }
      }
      assert.equal(ofKind(objects, 'ClusterRole').length + ofKind(objects, 'ClusterRoleBinding').length, 0);
    }
    // Pods that never call the Kubernetes API get no token.
    for (const deployment of deploymentsOf(primary).filter(
      (d) => d.metadata?.name !== 'frontend-deployment',
    )) {
      assert.equal(
        deployment.spec?.template.spec?.automountServiceAccountToken,
        false,
        deployment.metadata?.name,
      );
    }
  });

  test("the build's deployer Role (k8s/bootstrap) covers every kind the build applies, and can delete nothing", async () => {
    const [object] = objectsOf('k8s/bootstrap/deployer-role.yaml');
    assert.ok(object);
    assert.deepEqual(validationProblems(object), []);
    const role = object as IRole & KubeObject;
    const rules = role?.rules ?? [];
    const allows = (group: string, resource: string, verb: string) =>
      rules.some(
        (r) =>
          (r.apiGroups ?? []).includes(group) &&
          (r.resources ?? []).includes(resource) &&
          r.verbs.includes(verb) &&
          r.resourceNames === undefined,
      );
    const applied = [
      ...(await renderOverlay('primary')),
      ...(await renderOverlay('burst')),
      ...['istio/security/peer-authentication.yaml', 'istio/security/authorization-policies.yaml']
        .concat(['istio/traffic/worker-destinationrule.yaml', 'istio/traffic/frontend-gateway.yaml'])
        .concat(['istio/traffic/worker-virtualservice.yaml', 'istio/telemetry/envoy-podmonitoring.yaml'])
        .flatMap((f) => objectsOf(f)),
    ];
    for (const object of applied) {
      const group = object.apiVersion.includes('/') ? (object.apiVersion.split('/')[0] ?? '') : '';
      const kind = object.kind.toLowerCase();
      const resource = /[^aeiou]y$/.test(kind) ? `${kind.slice(0, -1)}ies` : `${kind}s`;
      for (const verb of ['get', 'create', 'patch']) {
        assert.ok(allows(group, resource, verb), `deployer cannot ${verb} ${group}/${resource}`);
      }
    }
    assert.ok(rules.every((r) => !r.verbs.includes('delete') && !r.verbs.includes('*')));
  });
});
