import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildValues,
  builtinSubstitutions,
  emptyUnderSubmit,
  loadBuild,
  makeWorkspace,
  runBuild,
  scanTemplate,
  stepStrings,
  substitute,
  type BuildConfig,
} from './support/cloudbuild.js';
import {
  FAKE_DECIDER_URL,
  FAKE_PROJECT_NUMBER,
  flagValue,
  flagValues,
  installFakeTools,
  type FakeState,
  type FakeTools,
  type ToolCall,
} from './support/fake-tools.js';
import { gcloudRejects, inBatches, leadingWords } from './support/gcloud.js';
import { parseYamlDocuments, readText, root, type KubeObject } from './support/repo.js';
import { validationProblems } from './support/schemas.js';
import { loadApplierConfig } from '../functions/applier/config.js';
import { loadDeciderConfig } from '../functions/decider/load-config.js';
import { containersOf, deploymentsOf } from './support/workloads.js';

const config: BuildConfig = loadBuild();
const values = buildValues(config);
const v = (name: string): string => {
  const value = values[name];
  assert.ok(value !== undefined, `substitution ${name}`);
  return value;
};
const sa = (id: string): string => `${v(id)}@${v('PROJECT_ID')}.iam.gserviceaccount.com`;
const registry = (): string => `${v('_REGION')}-docker.pkg.dev/${v('PROJECT_ID')}/${v('_REPOSITORY')}`;

const gcloudCall = (call: ToolCall, ...words: string[]): boolean =>
  call.tool === 'gcloud' && words.every((w, i) => call.args[i] === w);

describe('cloudbuild.yaml', () => {
  test('user substitutions start with "_", are documented where declared, and all are used', () => {
    const declared = Object.keys(config.substitutions);
    assert.ok(declared.length > 0);
    for (const name of declared) assert.match(name, /^_[A-Z0-9_]+$/);

    // Each key sits in a group of keys that a comment introduces.
    const lines = readText('cloudbuild.yaml').split('\n');
    const start = lines.indexOf('substitutions:');
    let documented = false;
    for (const line of lines.slice(start + 1)) {
      if (/^\S/.test(line)) break;
      if (/^\s*#/.test(line)) documented = true;
      else if (line.trim() === '') documented = false;
      else assert.ok(documented, `no comment documents ${line.trim()}`);
    }

    const used = new Set<string>();
    const lone: string[] = [];
    const texts = [
      ...config.steps.flatMap(stepStrings),
      ...(config.images ?? []),
      ...Object.values(config.substitutions).map(String),
    ];
    for (const text of texts) {
      const scan = scanTemplate(text);
      for (const name of scan.references) used.add(name);
      lone.push(...scan.loneDollars);
    }
    assert.deepEqual(lone, [], 'a `$` for the shell must be written `$$`');
    for (const name of used) {
      assert.ok(
        builtinSubstitutions.has(name) || declared.includes(name),
        `$${name} is neither built in nor declared`,
      );
      assert.ok(!emptyUnderSubmit.includes(name), `$${name} is empty under gcloud builds submit`);
    }
    for (const name of declared) assert.ok(used.has(name), `${name} is declared but never used`);
    assert.ok(used.has('BUILD_ID'));
    // A default that refers to another substitution needs dynamic substitutions.
    const dynamic = Object.values(config.substitutions).some(
      (d) => scanTemplate(String(d)).references.length > 0,
    );
    assert.equal(config.options?.dynamicSubstitutions ?? false, dynamic);
    assert.notEqual(config.options?.substitutionOption, 'ALLOW_LOOSE');
    assert.equal(
      config.options?.logging,
      'CLOUD_LOGGING_ONLY',
      'required with a user-specified service account',
    );
  });

  test('steps: unique ids, a valid order, install then test first, nothing deployed before the tests pass', () => {
    const ids = config.steps.map((s) => s.id);
    assert.equal(new Set(ids).size, ids.length);
    const seen = new Set<string>();
    const after = new Map<string, Set<string>>();
    for (const step of config.steps) {
      const waits = step.waitFor ?? [...seen];
      const closure = new Set<string>();
      for (const id of waits) {
        if (id === '-') continue;
        assert.ok(seen.has(id), `${step.id} waits for ${id}, which does not come before it`);
        closure.add(id);
        for (const transitive of after.get(id) ?? []) closure.add(transitive);
      }
      after.set(step.id, closure);
      seen.add(step.id);
    }
    const install = config.steps.find((s) => s.id === 'install');
    assert.deepEqual([install?.entrypoint, install?.args?.[0]], ['npm', 'ci']);
    const testStep = config.steps.find((s) => s.id === 'test');
    assert.match(testStep?.args?.join('\n') ?? '', /\bnpm test\b/);
    assert.ok(after.get('test')?.has('install'));
    for (const step of config.steps) {
      const text = stepStrings(step).join('\n');
      const deploys =
        /docker push|functions deploy|kubectl[^\n]* (apply|create)|pubsub topics create|scheduler jobs/.test(
          text,
        );
      if (deploys) assert.ok(after.get(step.id)?.has('test'), `${step.id} deploys before the tests passed`);
      // Never the kubectl builder's implicit cluster (it would send a second cluster's apply to the first).
      assert.ok(!step.name.includes('cloud-builders/kubectl'), `${step.id} uses the kubectl builder`);
      assert.ok(!/CLOUDSDK_(CONTAINER_CLUSTER|COMPUTE_ZONE|COMPUTE_REGION)/.test(text), step.id);
    }
  });

  test('.gcloudignore keeps what the build needs and leaves out what is generated', () => {
    const patterns = readText('.gcloudignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const ignored of ['node_modules/', 'dist/', '.deploy/', '.git/'])
      assert.ok(patterns.includes(ignored), ignored);
    for (const needed of [
      'k8s',
      'istio',
      'core',
      'functions',
      'services',
      'package.json',
      'package-lock.json',
    ]) {
      assert.ok(!patterns.some((p) => p.replace(/\/$/, '') === needed || p === '*'), `${needed} is ignored`);
    }
    for (const needed of ['cloudbuild.yaml', 'scheduler.yaml', 'tsconfig.json', 'tsconfig.build.json']) {
      assert.ok(
        !patterns.some((p) => p === needed || p === '*.yaml' || p === '*.json'),
        `${needed} is ignored`,
      );
    }
  });

  describe('run with stand-ins for gcloud, kubectl and docker (real bash, real kubectl kustomize)', () => {
    let dir: string;
    let fakes: FakeTools;
    const workspaces = new Map<FakeState, string>();
    const calls = new Map<FakeState, ToolCall[]>();
    const all = (): ToolCall[] => [...(calls.get('fresh') ?? []), ...(calls.get('existing') ?? [])];

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'spillway-build-'));
      fakes = installFakeTools(dir);
      for (const state of ['fresh', 'existing'] as const) {
        const workspace = makeWorkspace();
        workspaces.set(state, workspace);
        fakes.clear();
        runBuild(config, fakes, workspace, state);
        calls.set(state, fakes.calls());
      }
    });

    after(() => {
      rmSync(dir, { recursive: true, force: true });
      for (const workspace of workspaces.values()) rmSync(workspace, { recursive: true, force: true });
    });

    test('every gcloud call is one the real gcloud accepts (flags, values, flag files)', async () => {
      const workspace = workspaces.get('existing') ?? '';
      const unique = new Map<string, string[]>();
      for (const call of all().filter((c) => c.tool === 'gcloud'))
        unique.set(call.args.join('\0'), call.args);
      assert.ok(unique.size >= 15, `only ${unique.size} gcloud calls`);
      const complaints = await inBatches([...unique.values()], 3, async (args) => {
        const complaint = await gcloudRejects(args, workspace);
        return complaint === undefined ? undefined : `gcloud ${args.join(' ')}\n  → ${complaint}`;
      });
      assert.deepEqual(complaints.filter(Boolean), []);
    });

    test('the images deployed are exactly the ones this build builds and pushes, tagged with $BUILD_ID', async () => {
      const docker = (calls.get('fresh') ?? []).filter((c) => c.tool === 'docker');
      const built = docker.filter((c) => c.args[0] === 'build').map((c) => flagValue(c.args, '--tag') ?? '');
      const mirrored = docker.filter((c) => c.args[0] === 'tag').map((c) => c.args[2] ?? '');
      const pushed = docker.filter((c) => c.args[0] === 'push').map((c) => c.args[1] ?? '');
      const expected = ['worker', 'frontend', 'redis']
        .map((n) => `${registry()}/${n}:${v('BUILD_ID')}`)
        .sort();
      assert.deepEqual([...built, ...mirrored].sort(), expected);
      assert.deepEqual([...pushed].sort(), expected);
      assert.deepEqual((config.images ?? []).map((i) => substitute(i, values)).sort(), expected);
      for (const build of docker.filter((c) => c.args[0] === 'build')) {
        const image = flagValue(build.args, '--tag') ?? '';
        const dockerfile = flagValue(build.args, '--file') ?? '';
        assert.equal(dockerfile, `services/${/\/([a-z-]+):[^/]+$/.exec(image)?.[1] ?? '?'}/Dockerfile`);
        assert.ok(existsSync(join(root, dockerfile)), dockerfile);
        assert.equal(build.args.at(-1), '.', 'the context is the repository root');
      }
      const deployed = new Set<string>();
      for (const overlay of ['primary', 'burst']) {
        for (const deployment of deploymentsOf(renderedBy(overlay))) {
          for (const container of containersOf(deployment)) deployed.add(container.image ?? '');
        }
      }
      for (const image of deployed)
        assert.ok(expected.includes(image), `${image} is not built by this build`);
      assert.equal(deployed.size, 3);
    });

    test("the render step's manifests validate, with the applier's Google service account bound", () => {
      for (const overlay of ['primary', 'burst']) {
        const objects = renderedBy(overlay);
        assert.deepEqual(objects.flatMap(validationProblems), []);
        const binding = objects.find(
          (o) => o.kind === 'RoleBinding' && o.metadata?.name === 'spillway-applier',
        ) as (KubeObject & { subjects: { kind: string; name: string }[] }) | undefined;
        assert.deepEqual(
          binding?.subjects.map((s) => [s.kind, s.name]),
          [['User', sa('_APPLIER_SA')]],
        );
      }
    });

    function renderedBy(overlay: string): KubeObject[] {
      const file = join(workspaces.get('fresh') ?? '', '.deploy', `${overlay}.yaml`);
      return parseYamlDocuments(readFileSync(file, 'utf8'), file) as KubeObject[];
    }

    test('each cluster is reached through its own kubeconfig and an explicit context of that file', () => {
      for (const state of ['fresh', 'existing'] as const) {
        const kubectl = (calls.get(state) ?? []).filter((c) => c.tool === 'kubectl');
        assert.ok(kubectl.length > 0);
        const clusterOfContext = new Map<string, string>();
        for (const call of kubectl) {
          const context = flagValue(call.args, '--context');
          assert.ok(context, `kubectl ${call.args.join(' ')} has no --context`);
          assert.ok(call.kubeconfig !== '', `kubectl ${call.args.join(' ')} runs without its own KUBECONFIG`);
          // The context exists in that file: it is the one get-credentials wrote for this step's cluster.
          const [kubeconfig] = parseYamlDocuments(readFileSync(call.kubeconfig, 'utf8'), call.kubeconfig) as [
            { contexts: { name: string }[] },
          ];
          assert.deepEqual(
            kubeconfig.contexts.map((c) => c.name),
            [context],
          );
          clusterOfContext.set(call.kubeconfig, context);
          // Each rendered overlay goes to its own cluster.
          for (const file of flagValues(call.args, '--filename', '-f')) {
            const overlay = /^\.deploy\/(\w+)\.yaml$/.exec(file)?.[1];
            if (overlay === undefined) continue;
            const upper = overlay.toUpperCase();
            assert.equal(
              context,
              `gke_${v('PROJECT_ID')}_${v(`_${upper}_LOCATION`)}_${v(`_${upper}_CLUSTER`)}`,
            );
          }
        }
        assert.equal(clusterOfContext.size, 2, 'two kubeconfig files');
        assert.equal(new Set(clusterOfContext.values()).size, 2, 'two clusters');
        const credentials = (calls.get(state) ?? []).filter((c) =>
          gcloudCall(c, 'container', 'clusters', 'get-credentials'),
        );
        assert.equal(credentials.length, 2);
        for (const call of credentials) assert.ok(clusterOfContext.has(call.kubeconfig), call.args.join(' '));
      }
    });

    test('functions: gen2 on nodejs24 from the repository root, their entry points, no public invoker', () => {
      const deploys = (calls.get('fresh') ?? []).filter((c) => gcloudCall(c, 'functions', 'deploy'));
      assert.deepEqual(deploys.map((c) => c.args[2]).sort(), ['spillway-applier', 'spillway-decider']);
      for (const call of deploys) {
        const args = call.args;
        for (const flag of ['--gen2', '--no-allow-unauthenticated'])
          assert.ok(args.includes(flag), `${args[2]} ${flag}`);
        assert.equal(flagValue(args, '--runtime'), 'nodejs24');
        assert.equal(flagValue(args, '--source'), '.');
        assert.ok(!args.some((a) => a === '--allow-unauthenticated'));
        const envFile = flagValue(args, '--env-vars-file') ?? '';
        const [env] = parseYamlDocuments(readFileSync(join(call.cwd, envFile), 'utf8'), envFile) as [
          Record<string, unknown>,
        ];
        assert.ok(
          Object.values(env).every((value) => typeof value === 'string' && value !== ''),
          envFile,
        );
        if (args[2] === 'spillway-decider') {
          assert.equal(flagValue(args, '--entry-point'), 'decide');
          assert.ok(args.includes('--trigger-http'));
          assert.equal(flagValue(args, '--service-account'), sa('_DECIDER_SA'));
          assert.equal(env['SPILLWAY_TOPIC'], v('_TOPIC'));
          // The decider's own config loader accepts this environment, and it means what the build says.
          const decider = loadDeciderConfig(env as Record<string, string>);
          assert.equal(decider.topic, v('_TOPIC'));
          assert.equal(decider.targets[0]?.source.type, v('_METRICS_SOURCE'));
          assert.equal(`${String(decider.functionTimeoutSeconds)}s`, flagValue(args, '--timeout'));
          assert.ok(decider.runForSeconds > 0, 'the decider polls within a call');
        } else {
          assert.equal(flagValue(args, '--entry-point'), 'apply');
          assert.equal(flagValue(args, '--trigger-topic'), v('_TOPIC'));
          assert.ok(args.includes('--retry'), 'failed deliveries are retried');
          assert.equal(flagValue(args, '--service-account'), sa('_APPLIER_SA'));
          assert.equal(flagValue(args, '--trigger-service-account'), sa('_TRIGGER_SA'));
          // The applier's own config loader accepts this environment: both clusters of the build.
          const applier = loadApplierConfig(env as Record<string, string>);
          assert.ok(applier.clusters.type === 'gke');
          assert.deepEqual(
            applier.clusters.clusters.map((c) => [c.location, c.name]),
            [
              [v('_PRIMARY_LOCATION'), v('_PRIMARY_CLUSTER')],
              [v('_BURST_LOCATION'), v('_BURST_CLUSTER')],
            ],
          );
          assert.deepEqual(applier.virtualServices, [
            { namespace: 'default', virtualService: 'worker-virtual-service' },
          ]);
        }
      }
      const invokers = (calls.get('fresh') ?? []).filter((c) =>
        gcloudCall(c, 'functions', 'add-invoker-policy-binding'),
      );
      assert.deepEqual(invokers.map((c) => [c.args[2], flagValue(c.args, '--member')]).sort(), [
        ['spillway-applier', `serviceAccount:${sa('_TRIGGER_SA')}`],
        ['spillway-decider', `serviceAccount:${sa('_SCHEDULER_SA')}`],
      ]);
    });

    test("Pub/Sub: the topic, a kept dead-letter topic, and the trigger's retry policy on its own subscription", () => {
      const fresh = calls.get('fresh') ?? [];
      const created = fresh.filter((c) => gcloudCall(c, 'pubsub', 'topics', 'create')).map((c) => c.args[3]);
      assert.deepEqual(created, [v('_TOPIC'), v('_DEAD_LETTER_TOPIC')]);
      const deadLetterSubscription = fresh.find((c) => gcloudCall(c, 'pubsub', 'subscriptions', 'create'));
      assert.equal(flagValue(deadLetterSubscription?.args ?? [], '--topic'), v('_DEAD_LETTER_TOPIC'));
      const update = fresh.find((c) => gcloudCall(c, 'pubsub', 'subscriptions', 'update'));
      assert.match(update?.args[3] ?? '', /\/subscriptions\/eventarc-/, "the trigger's own subscription");
      assert.equal(flagValue(update?.args ?? [], '--dead-letter-topic'), v('_DEAD_LETTER_TOPIC'));
      assert.equal(flagValue(update?.args ?? [], '--max-delivery-attempts'), v('_MAX_DELIVERY_ATTEMPTS'));
      assert.equal(flagValue(update?.args ?? [], '--min-retry-delay'), v('_MIN_RETRY_DELAY'));
      assert.equal(flagValue(update?.args ?? [], '--max-retry-delay'), v('_MAX_RETRY_DELAY'));
      const agent = `serviceAccount:service-${FAKE_PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`;
      const bindings = fresh
        .filter(
          (c) => c.tool === 'gcloud' && c.args[2] === 'add-iam-policy-binding' && c.args[0] === 'pubsub',
        )
        .map((c) => [c.args[1], c.args[3], flagValue(c.args, '--member'), flagValue(c.args, '--role')]);
      assert.deepEqual(bindings, [
        ['topics', v('_TOPIC'), `serviceAccount:${sa('_DECIDER_SA')}`, 'roles/pubsub.publisher'],
        ['topics', v('_DEAD_LETTER_TOPIC'), agent, 'roles/pubsub.publisher'],
        ['subscriptions', update?.args[3], agent, 'roles/pubsub.subscriber'],
      ]);
    });

    test('the Scheduler job: created once, updated after, from scheduler.yaml, with an OIDC token for the decider', () => {
      for (const [state, verb] of [
        ['fresh', 'create'],
        ['existing', 'update'],
      ] as const) {
        const jobs = (calls.get(state) ?? []).filter(
          (c) => gcloudCall(c, 'scheduler', 'jobs') && c.args[2] !== 'describe',
        );
        assert.deepEqual(
          jobs.map((c) => c.args.slice(2, 4)),
          [[verb, 'http']],
        );
        const args = jobs[0]?.args ?? [];
        assert.equal(flagValue(args, '--flags-file'), 'scheduler.yaml');
        assert.equal(flagValue(args, '--uri'), FAKE_DECIDER_URL);
        assert.equal(flagValue(args, '--oidc-token-audience'), FAKE_DECIDER_URL);
        assert.equal(flagValue(args, '--oidc-service-account-email'), sa('_SCHEDULER_SA'));
        assert.equal(flagValue(args, '--location'), v('_REGION'));
      }
    });

    test('a re-run creates nothing; a first run creates only after looking; the weights are never re-applied', () => {
      const creates = (list: ToolCall[]) =>
        list.filter(
          (c) =>
            (c.tool === 'gcloud' && leadingWords(c.args).includes('create')) ||
            (c.tool === 'kubectl' && c.args.some((a) => a === 'create')),
        );
      assert.deepEqual(
        creates(calls.get('existing') ?? []).map((c) => `${c.tool} ${c.args.join(' ')}`),
        [],
      );

      const fresh = calls.get('fresh') ?? [];
      const freshCreates = creates(fresh);
      assert.ok(freshCreates.length >= 5);
      for (const create of freshCreates) {
        const index = fresh.indexOf(create);
        const looked = fresh.slice(0, index).some((c) => {
          if (c.step !== create.step || c.tool !== create.tool) return false;
          if (c.tool === 'kubectl') return c.args.includes('get') && c.args.includes('--ignore-not-found');
          const group = create.args.slice(0, create.args.indexOf('create'));
          const name = create.args.find(
            (a, i) => i > create.args.indexOf('create') && !a.startsWith('-') && a !== 'http',
          );
          return gcloudCall(c, ...group, 'describe') && c.args.includes(name ?? '\0');
        });
        assert.ok(looked, `${create.tool} ${create.args.join(' ')} without looking first`);
      }
      const vsCreates = freshCreates.filter((c) => c.tool === 'kubectl');
      assert.equal(vsCreates.length, 2, 'the worker VirtualService, once per cluster');
      for (const call of vsCreates) {
        assert.deepEqual(flagValues(call.args, '--filename', '-f'), [
          'istio/traffic/worker-virtualservice.yaml',
        ]);
      }
      for (const call of all().filter((c) => c.tool === 'kubectl' && c.args.includes('apply'))) {
        for (const file of flagValues(call.args, '--filename', '-f')) {
          assert.notEqual(
            file.replace(/\/$/, ''),
            'istio/traffic',
            'applying the directory would reset the weights',
          );
          assert.ok(!file.includes('worker-virtualservice'), 'the worker VirtualService is never re-applied');
        }
      }
    });
  });
});
