import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../core/errors.js';
import { CODELAB_QUERY, DEFAULT_PROMETHEUS_URL } from './config.js';
import { loadDeciderConfig } from './load-config.js';

/** Loads with `files` as the file system (path → text). */
function load(env: Record<string, string>, files: Record<string, string> = {}) {
  return loadDeciderConfig(env, (path) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  });
}

/** The ConfigError's problems as `variable problem` lines. */
function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.match(err.message, /^invalid decider configuration: /);
    return err.problems.map((p) => `${p.variable} ${p.problem}`);
  }
  assert.fail('the configuration was accepted');
}

describe('out of the box', () => {
  test('one target: the codelab’s VirtualService, query and thresholds, on PROMETHEUS_URL', () => {
    const config = load({});
    assert.equal(config.topic, 'spillway-decisions');
    assert.equal(config.runForSeconds, 0);
    assert.equal(config.pollEverySeconds, 5);
    assert.equal(config.functionTimeoutSeconds, 60);
    assert.equal(config.targets.length, 1);
    const [target] = config.targets;
    assert.equal(target?.namespace, 'default');
    assert.equal(target?.virtualService, 'worker-virtual-service');
    assert.deepEqual(target?.policy, { kind: 'threshold', high: 15, low: 10 });
    assert.equal(target?.failures.actions['source-unreachable'], 'hold');
    assert.deepEqual(target?.source, {
      type: 'prometheus',
      url: DEFAULT_PROMETHEUS_URL,
      query: CODELAB_QUERY,
      timeoutSeconds: 5,
    });
    assert.match(CODELAB_QUERY, /^sum\(rate\(istio_requests_total\{reporter="destination",/);
  });

  test('SPILLWAY_SOURCE=managed-prometheus reads the codelab query from the project’s Managed Prometheus', () => {
    const config = load({ SPILLWAY_SOURCE: 'managed-prometheus', GOOGLE_CLOUD_PROJECT: 'my-project' });
    assert.deepEqual(config.targets[0]?.source, {
      type: 'managed-prometheus',
      query: CODELAB_QUERY,
      timeoutSeconds: 10,
    });
  });

  test('an unknown SPILLWAY_SOURCE is refused, naming the variable', () => {
    assert.throws(
      () => load({ SPILLWAY_SOURCE: 'graphite' }),
      /SPILLWAY_SOURCE must be prometheus or managed-prometheus \(got "graphite"\)/,
    );
  });

  test('the environment sets the top-level fields and the default target’s source', () => {
    const config = load({
      SPILLWAY_TOPIC: 'decisions',
      GOOGLE_CLOUD_PROJECT: 'my-project',
      PUBSUB_EMULATOR_HOST: '127.0.0.1:8085',
      SPILLWAY_POLL_EVERY: '5s',
      SPILLWAY_RUN_FOR: '50s',
      SPILLWAY_FUNCTION_TIMEOUT: '1m10s',
      PROMETHEUS_URL: 'http://prometheus.istio-system:9090',
      PROMETHEUS_QUERY: 'sum(rate(x[1m]))',
      PROMETHEUS_BEARER_TOKEN: 'secret',
      LOG_LEVEL: 'debug',
    });
    assert.equal(config.topic, 'decisions');
    assert.equal(config.project, 'my-project');
    assert.equal(config.pubsubEmulatorHost, '127.0.0.1:8085');
    assert.equal(config.runForSeconds, 50);
    assert.equal(config.functionTimeoutSeconds, 70);
    assert.equal(config.logLevel, 'debug');
    assert.deepEqual(config.targets[0]?.source, {
      type: 'prometheus',
      url: 'http://prometheus.istio-system:9090',
      query: 'sum(rate(x[1m]))',
      timeoutSeconds: 5,
      auth: { type: 'bearer', token: 'secret' },
    });
  });

  test('basic auth for the default target needs the password variable', () => {
    assert.deepEqual(load({ PROMETHEUS_USERNAME: 'u', PROMETHEUS_PASSWORD: 'p' }).targets[0]?.source, {
      type: 'prometheus',
      url: DEFAULT_PROMETHEUS_URL,
      query: CODELAB_QUERY,
      timeoutSeconds: 5,
      auth: { type: 'basic', username: 'u', password: 'p' },
    });
    assert.deepEqual(
      problemsOf(() => load({ PROMETHEUS_USERNAME: 'u' })),
      ['PROMETHEUS_PASSWORD must be set when PROMETHEUS_USERNAME is'],
    );
  });
});

const FILE = `
topic: spillway-decisions
pollEvery: 5s
runFor: 40s
targets:
  - namespace: default
    virtualService: worker-virtual-service
    source:
      type: prometheus
      query: sum(rate(istio_requests_total[1m]))
      auth: { type: basic, username: reader, passwordEnv: PROM_PASSWORD }
    policy: { kind: spillover, capacity: 40 }
    failures:
      actions: { source-unreachable: primary }
  - namespace: shop
    virtualService: checkout
    source: { type: cloud-monitoring, metric: managed-prometheus, service: checkout, namespace: shop, sourceWorkload: web }
  - namespace: shop
    virtualService: cart
    source: { type: managed-prometheus, project: other-project, query: 'sum(rate(istio_requests_total[1m]))' }
`;

describe('a policy file', () => {
  test('YAML with several targets, sources, policies and failure actions; the environment wins', () => {
    const config = load(
      {
        SPILLWAY_POLICY_FILE: 'p.yaml',
        SPILLWAY_RUN_FOR: '30s',
        PROM_PASSWORD: 'pw',
        PROMETHEUS_URL: 'http://p:9090',
      },
      { 'p.yaml': FILE },
    );
    assert.equal(config.policyFile, 'p.yaml');
    assert.equal(config.runForSeconds, 30);
    assert.equal(config.targets.length, 3);
    const [a, b, c] = config.targets;
    assert.deepEqual(a?.source, {
      type: 'prometheus',
      url: 'http://p:9090',
      query: 'sum(rate(istio_requests_total[1m]))',
      timeoutSeconds: 5,
      auth: { type: 'basic', username: 'reader', password: 'pw' },
    });
    assert.equal(a?.policy.kind, 'spillover');
    assert.equal(a?.policy.kind === 'spillover' ? a.policy.step : 0, 5);
    assert.equal(a?.failures.actions['source-unreachable'], 'primary');
    assert.equal(a?.failures.actions['empty'], 'hold');
    assert.deepEqual(b?.source, {
      type: 'cloud-monitoring',
      metric: 'managed-prometheus',
      service: 'checkout',
      namespace: 'shop',
      sourceWorkload: 'web',
      alignmentSeconds: 60,
      windowSeconds: 300,
      timeoutSeconds: 10,
    });
    assert.deepEqual(b?.policy, { kind: 'threshold', high: 15, low: 10 });
    assert.deepEqual(c?.source, {
      type: 'managed-prometheus',
      project: 'other-project',
      query: 'sum(rate(istio_requests_total[1m]))',
      timeoutSeconds: 10,
    });
  });

  test('JSON is read too; an empty file means the defaults', () => {
    const json = JSON.stringify({
      targets: [{ namespace: 'a', virtualService: 'b', source: { type: 'prometheus', query: 'up' } }],
    });
    assert.equal(
      load({ SPILLWAY_POLICY_FILE: 'p.json' }, { 'p.json': json }).targets[0]?.virtualService,
      'b',
    );
    assert.equal(
      load({ SPILLWAY_POLICY_FILE: 'e.yaml' }, { 'e.yaml': '' }).targets[0]?.virtualService,
      'worker-virtual-service',
    );
  });
});

describe('bad values are refused with a message naming the variable or the file field', () => {
  const cases: [string, Record<string, string>, string | undefined, RegExp[]][] = [
    [
      'an unreadable file',
      { SPILLWAY_POLICY_FILE: 'missing.yaml' },
      undefined,
      [/^SPILLWAY_POLICY_FILE names a file that cannot be read: missing\.yaml \(ENOENT\)/],
    ],
    [
      'a file that is not YAML',
      { SPILLWAY_POLICY_FILE: 'f' },
      'targets: [',
      [/^SPILLWAY_POLICY_FILE names a file that is not valid YAML or JSON: f: /],
    ],
    [
      'a file that is a list',
      { SPILLWAY_POLICY_FILE: 'f' },
      '- a',
      [/^SPILLWAY_POLICY_FILE names a file that must hold a mapping/],
    ],
    [
      'a bad duration in the environment',
      { SPILLWAY_RUN_FOR: '5' },
      undefined,
      [/^SPILLWAY_RUN_FOR must be a duration like 30s/],
    ],
    [
      'an unknown log level',
      { LOG_LEVEL: 'loud' },
      undefined,
      [/^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/],
    ],
    [
      'a bad emulator address',
      { PUBSUB_EMULATOR_HOST: 'localhost' },
      undefined,
      [/^PUBSUB_EMULATOR_HOST must be HOST:PORT/],
    ],
    [
      'a bad PROMETHEUS_URL',
      { PROMETHEUS_URL: 'prometheus:9090' },
      undefined,
      [/^PROMETHEUS_URL must be an http:\/\/ or https:\/\/ URL/],
    ],
    [
      'no room for a tick',
      { SPILLWAY_FUNCTION_TIMEOUT: '10s' },
      undefined,
      [
        /^SPILLWAY_FUNCTION_TIMEOUT must leave room for one tick: functionTimeout 10s − safetyMargin 5s is less than the longest tick 15s/,
      ],
    ],
    [
      'a loop longer than the timeout',
      { SPILLWAY_RUN_FOR: '2m' },
      undefined,
      [/^SPILLWAY_RUN_FOR must end before functionTimeout 60s − safetyMargin 5s \(got 120s\)/],
    ],
    [
      'a poll interval of 0',
      { SPILLWAY_POLL_EVERY: '0s' },
      undefined,
      [/^SPILLWAY_POLL_EVERY must be at least 1s/],
    ],
    [
      'an unknown top-level field',
      { SPILLWAY_POLICY_FILE: 'f' },
      'topc: x',
      [/^SPILLWAY_POLICY_FILE \(f\) topc is not a known field/],
    ],
    [
      'an empty target list',
      { SPILLWAY_POLICY_FILE: 'f' },
      'targets: []',
      [/^SPILLWAY_POLICY_FILE \(f\) targets must be a non-empty list/],
    ],
    [
      'a bad target',
      { SPILLWAY_POLICY_FILE: 'f' },
      `targets:
  - namespace: Default
    virtualService: vs
    source: { type: prometheus, query: up, timeout: 5 }
    policy: { kind: threshold, high: 10, low: 20 }
    failures: { actions: { empty: retry } }
  - namespace: a
    virtualService: b
    source: { type: graphite }
  - namespace: a
    virtualService: c
    source: { type: cloud-monitoring, alignment: 30s }
  - { namespace: a, virtualService: d, source: { type: prometheus, query: up, auth: { type: bearer, tokenEnv: NOPE } } }
  - { namespace: a, virtualService: d, source: { type: prometheus, query: up } }
  - { namespace: a, virtualService: e }`,
      [
        /^SPILLWAY_POLICY_FILE \(f\) targets\[0\]\.namespace must be a namespace name \(got "Default"\)$/,
        /^SPILLWAY_POLICY_FILE \(f\) targets\[0\]\.source\.timeout must be a duration like 30s.* \(got 5\)$/,
        /^SPILLWAY_POLICY_FILE \(f\) targets\[0\]\.policy\.low must be below targets\[0\]\.policy\.high/,
        /^SPILLWAY_POLICY_FILE \(f\) targets\[0\]\.failures\.actions\.empty must be one of hold, primary/,
        /^SPILLWAY_POLICY_FILE \(f\) targets\[1\]\.source\.type must be one of prometheus, managed-prometheus, cloud-monitoring \(got "graphite"\)$/,
        /^SPILLWAY_POLICY_FILE \(f\) targets\[2\]\.source\.alignment must be at least 1m/,
        /^SPILLWAY_POLICY_FILE \(f\) targets\[3\]\.source\.auth\.tokenEnv names a variable that is not set: NOPE$/,
        /^SPILLWAY_POLICY_FILE \(f\) targets\[5\]\.source is required$/,
        /^SPILLWAY_POLICY_FILE \(f\) targets\[4\] repeats the target a\/d$/,
      ],
    ],
  ];
  for (const [name, env, file, expected] of cases) {
    test(name, () => {
      const problems = problemsOf(() => load(env, file === undefined ? {} : { f: file }));
      assert.equal(problems.length, expected.length, problems.join('\n'));
      expected.forEach((pattern, i) => assert.match(problems[i] ?? '', pattern, problems.join('\n')));
    });
  }
});
