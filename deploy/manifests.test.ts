import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IContainer } from 'kubernetes-models/v1/Container';
import {
  deploymentYamlFiles,
  describeObject,
  objectsOf,
  parseYamlDocuments,
  parseYamlFile,
  readText,
  type KubeObject,
} from './support/repo.js';
import { renderOverlay, overlays } from './support/kustomize.js';
import { apiKey, currentApis, unknownFields, validationProblems } from './support/schemas.js';
import { containersOf, deploymentsOf } from './support/workloads.js';

/** Files that kustomize merges into others (partial objects, validated after rendering). */
function patchFiles(): Set<string> {
  const patches = new Set<string>();
  for (const file of deploymentYamlFiles().filter((f) => f.endsWith('kustomization.yaml'))) {
    const [kustomization] = parseYamlFile(file) as [{ patches?: { path?: string }[] }];
    const dir = file.slice(0, file.lastIndexOf('/'));
    for (const patch of kustomization.patches ?? []) if (patch.path) patches.add(`${dir}/${patch.path}`);
  }
  return patches;
}

/** Every whole Kubernetes object shipped in k8s/ and istio/ (not the patches, not cloudbuild/scheduler). */
function shippedObjects(): { file: string; object: KubeObject }[] {
  const patches = patchFiles();
  return deploymentYamlFiles()
    .filter((f) => (f.startsWith('k8s/') || f.startsWith('istio/')) && !patches.has(f))
    .flatMap((file) => objectsOf(file).map((object) => ({ file, object })));
}

const deprecatedApiVersions = [
  'extensions/v1beta1',
  'apps/v1beta1',
  'apps/v1beta2',
  'autoscaling/v1',
  'autoscaling/v2beta1',
  'autoscaling/v2beta2',
  'policy/v1beta1',
  'rbac.authorization.k8s.io/v1beta1',
  'networking.istio.io/v1alpha3',
  'networking.istio.io/v1beta1',
  'security.istio.io/v1beta1',
];

describe('deployment YAML', () => {
  test('every YAML file of k8s/, istio/, cloudbuild.yaml and scheduler.yaml parses (all documents)', () => {
    const files = deploymentYamlFiles();
    for (const expected of [
      'cloudbuild.yaml',
      'scheduler.yaml',
      'k8s/base/kustomization.yaml',
      'k8s/overlays/primary/kustomization.yaml',
      'k8s/overlays/burst/kustomization.yaml',
      'istio/traffic/worker-virtualservice.yaml',
      'istio/traffic/worker-destinationrule.yaml',
    ]) {
      assert.ok(files.includes(expected), `${expected} is missing from ${files.join(', ')}`);
    }
    for (const file of files) {
      const documents = parseYamlFile(file);
      assert.ok(documents.length > 0, `${file} has no document`);
    }
  });

  test('the strict parser refuses what kubectl would read differently (duplicate keys)', () => {
    assert.throws(() => parseYamlDocuments('a: 1\na: 2\n', 'test'), /unique|duplicate/i);
  });

  test('every shipped Kubernetes and Istio object validates against its schema, with no unknown field', () => {
    const all = shippedObjects();
    assert.ok(all.length >= 25, `only ${all.length} objects found`);
    const problems = all.flatMap(({ file, object }) =>
      validationProblems(object).map((p) => `${file}: ${p}`),
    );
    assert.deepEqual(problems, []);
  });

  test('the validation catches a wrong type, a misspelt field and an API that is not current', () => {
    const deployment = objectsOf('k8s/base/worker-deployment.yaml')[0] as KubeObject;
    const broken = structuredClone(deployment) as KubeObject & {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    const container = broken.spec.template.spec.containers[0] as Record<string, unknown>;
    container['ports'] = [{ containerPort: 'eighty' }];
    container['readinessProbes'] = {};
    const problems = validationProblems(broken).join('\n');
    assert.match(problems, /containerPort must be integer/);
    assert.match(problems, /unknown field \/spec\/template\/spec\/containers\/0\/readinessProbes/);
    assert.match(
      validationProblems({ ...deployment, apiVersion: 'extensions/v1beta1' }).join(),
      /not an allowed/,
    );
    assert.deepEqual(unknownFields({ metadata: { name: 'x', nmae: 'y' } }, 'V1Service', ''), [
      '/metadata/nmae',
    ]);
  });

  test('no deprecated API version anywhere (files and rendered overlays)', async () => {
    for (const file of deploymentYamlFiles()) {
      const text = readText(file);
      for (const version of deprecatedApiVersions) {
        assert.ok(!text.includes(`apiVersion: ${version}`), `${file} uses ${version}`);
      }
    }
    for (const overlay of overlays) {
      for (const object of await renderOverlay(overlay)) {
        assert.ok(apiKey(object) in currentApis, `${overlay}: ${describeObject(object)}`);
      }
    }
    for (const { object } of shippedObjects()) {
      assert.ok(apiKey(object) in currentApis, describeObject(object));
      if (
        object.apiVersion.startsWith('networking.istio.io') ||
        object.apiVersion.startsWith('security.istio.io')
      ) {
        assert.match(object.apiVersion, /^(networking|security)\.istio\.io\/v1$/, describeObject(object));
      }
    }
  });

  test('every container runs non-root, read-only, without privilege escalation or capabilities, seccomp on', async () => {
    for (const overlay of overlays) {
      const deployments = deploymentsOf(await renderOverlay(overlay));
      assert.ok(deployments.length > 0);
      for (const deployment of deployments) {
        const pod = deployment.spec?.template.spec;
        assert.equal(
          pod?.securityContext?.runAsNonRoot,
          true,
          `${deployment.metadata?.name} pod runAsNonRoot`,
        );
        // The images' USER is a name (`node`); runAsNonRoot can only be enforced with a numeric uid.
        assert.ok(
          (pod?.securityContext?.runAsUser ?? 0) > 0,
          `${deployment.metadata?.name} numeric runAsUser`,
        );
        assert.equal(pod?.securityContext?.seccompProfile?.type, 'RuntimeDefault');
        assert.equal(pod?.hostNetwork ?? false, false);
        for (const container of [...containersOf(deployment), ...(pod?.initContainers ?? [])]) {
          assertHardened(`${overlay}/${deployment.metadata?.name ?? '?'}/${container.name}`, container);
        }
      }
    }
  });
});

function assertHardened(where: string, container: IContainer): void {
  const context = container.securityContext;
  assert.ok(context, `${where}: securityContext`);
  assert.equal(context.runAsNonRoot, true, `${where}: runAsNonRoot`);
  assert.equal(context.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
  assert.equal(context.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
  assert.deepEqual(context.capabilities?.drop, ['ALL'], `${where}: capabilities drop ALL`);
  assert.equal(context.capabilities?.add, undefined, `${where}: no added capabilities`);
  assert.equal(context.privileged ?? false, false, `${where}: not privileged`);
  assert.equal(context.seccompProfile?.type, 'RuntimeDefault', `${where}: seccompProfile`);
  assert.ok(
    container.resources?.requests?.['cpu'] && container.resources.requests['memory'],
    `${where}: requests`,
  );
  assert.ok(container.resources?.limits?.['cpu'] && container.resources.limits['memory'], `${where}: limits`);
}
