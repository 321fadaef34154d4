/**
 * Every way createGkeCredentials fails: the Container API's error answers (in its JSON error shape), a
 * network failure, a timeout, a malformed Cluster resource, a failing token source. Each is a
 * GkeCredentialsError naming the cluster, with `transient` telling redelivery from acknowledgement.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../../local/ports.js';
import type { AccessTokenSource } from './access-token.js';
import type { GkeCluster } from './cluster-name.js';
import { createGkeCredentials, GkeCredentialsError } from './credentials.js';
import { apiError, startFakeContainerApi, type FakeContainerApi } from './test-support/fake-container-api.js';
import { frontCertPem } from './test-support/tls-front.js';

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const cluster = (name: string): GkeCluster => ({ project: 'my-project', location: 'europe-west1', name });
const resourceName = (name: string) => `projects/my-project/locations/europe-west1/clusters/${name}`;
const tokens: AccessTokenSource = { getAccessToken: () => Promise.resolve('token-1') };

interface Expected {
  readonly message: RegExp;
  readonly transient: boolean;
  readonly status?: number;
}

async function rejectsWith(promise: Promise<unknown>, name: string, expected: Expected): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof GkeCredentialsError, `not a GkeCredentialsError: ${String(err)}`);
    assert.match(err.message, expected.message);
    assert.ok(err.message.includes(resourceName(name)), `the message names the cluster: ${err.message}`);
    assert.equal(err.cluster, resourceName(name));
    assert.equal(err.transient, expected.transient, `transient for: ${err.message}`);
    assert.equal(err.status, expected.status);
    return true;
  });
}

describe('GkeCredentialsError', () => {
  let api: FakeContainerApi;
  before(async () => {
    api = await startFakeContainerApi({ acceptToken: (token) => token === 'token-1' });
  });
  after(() => api.close());

  const failing = (name: string, status: number, body: string) => {
    api.set(resourceName(name), { kind: 'raw', status, body });
    return createGkeCredentials({ tokens, containerApiUrl: api.url }).kubeConfigFor(cluster(name));
  };

  describe('Container API error answers', () => {
    test('404: not found, not transient', async () => {
      const gke = createGkeCredentials({ tokens, containerApiUrl: `${api.url}/` });
      await rejectsWith(gke.kubeConfigFor(cluster('gone')), 'gone', {
        message: /^cluster \S+ not found: check its project, location and name \(Container API: Not found: /,
        transient: false,
        status: 404,
      });
    });

    test('403: the permission hint, not transient', async () => {
      const message = `Required "container.clusters.get" permission(s) for "${resourceName('secret')}".`;
      await rejectsWith(failing('secret', 403, apiError(403, 'PERMISSION_DENIED', message)), 'secret', {
        message:
          /^permission denied reading cluster \S+: the applier's service account needs roles\/container\.clusterViewer on project my-project.*\(Container API: Required "container\.clusters\.get" permission/,
        transient: false,
        status: 403,
      });
    });

    test('400: the status and the API message, not transient', async () => {
      const body = apiError(400, 'INVALID_ARGUMENT', 'Location "europe-west1" does not exist.');
      await rejectsWith(failing('bad-location', 400, body), 'bad-location', {
        message:
          /answered HTTP 400 for cluster \S+ \(Container API: Location "europe-west1" does not exist\.\)$/,
        transient: false,
        status: 400,
      });
    });

    test('401: the token was refused, not transient', async () => {
      const gke = createGkeCredentials({
        tokens: { getAccessToken: () => Promise.resolve('expired') },
        containerApiUrl: api.url,
      });
      await rejectsWith(gke.kubeConfigFor(cluster('any')), 'any', {
        message: /refused the applier's access token .*Request had invalid authentication credentials/,
        transient: false,
        status: 401,
      });
    });

    for (const [status, code] of [
      [429, 'RESOURCE_EXHAUSTED'],
      [500, 'INTERNAL'],
      [503, 'UNAVAILABLE'],
    ] as const) {
      test(`${status}: transient`, async () => {
        const name = `status-${status}`;
        await rejectsWith(failing(name, status, apiError(status, code, 'try again later')), name, {
          message: new RegExp(
            `answered HTTP ${status} for cluster \\S+ \\(Container API: try again later\\)`,
          ),
          transient: true,
          status,
        });
      });
    }

    test('an error page that is not the API JSON is quoted', async () => {
      await rejectsWith(failing('proxy', 502, '<html><body>Bad   Gateway</body></html>'), 'proxy', {
        message: /answered HTTP 502 .*\(Container API: <html><body>Bad Gateway<\/body><\/html>\)/,
        transient: true,
        status: 502,
      });
    });
  });

  describe('no answer', () => {
    test('nothing listening: a network error, transient', async () => {
      const url = `http://127.0.0.1:${await freePort()}`;
      const gke = createGkeCredentials({ tokens, containerApiUrl: url });
      await rejectsWith(gke.kubeConfigFor(cluster('offline')), 'offline', {
        message: new RegExp(
          `cannot read cluster \\S+ from the Container API at ${url}: network error: .*ECONNREFUSED`,
        ),
        transient: true,
      });
    });

    test('no answer in time: a timeout, transient', async () => {
      api.set(resourceName('slow'), { kind: 'hang' });
      const gke = createGkeCredentials({ tokens, containerApiUrl: api.url, timeoutMs: 300 });
      await rejectsWith(gke.kubeConfigFor(cluster('slow')), 'slow', {
        message: /from the Container API at \S+: no answer within 300 ms$/,
        transient: true,
      });
    });
  });

  describe('a malformed Cluster resource: not transient', () => {
    const ca = base64(frontCertPem);
    const cases: readonly [string, unknown, RegExp][] = [
      ['not JSON', 'not json', /answer for cluster \S+ is not JSON$/],
      ['not an object', [], /answer for cluster \S+ is not a JSON object$/],
      [
        'no endpoint yet',
        { status: 'PROVISIONING', masterAuth: { clusterCaCertificate: ca } },
        /has no endpoint \(cluster status PROVISIONING\): a cluster that is still being created/,
      ],
      [
        'an endpoint with a path',
        { endpoint: '203.0.113.7/api', masterAuth: { clusterCaCertificate: ca } },
        /has an endpoint that is not a host: "203\.0\.113\.7\/api"/,
      ],
      ['no CA', { endpoint: '203.0.113.7', masterAuth: {} }, /has no masterAuth\.clusterCaCertificate/],
      [
        'CA not base64',
        { endpoint: '203.0.113.7', masterAuth: { clusterCaCertificate: '-----BEGIN CERTIFICATE-----' } },
        /masterAuth\.clusterCaCertificate that is not a base64-encoded PEM certificate/,
      ],
      [
        'CA base64 but not PEM',
        { endpoint: '203.0.113.7', masterAuth: { clusterCaCertificate: base64('hello') } },
        /not a base64-encoded PEM certificate/,
      ],
      [
        'CA a broken PEM',
        {
          endpoint: '203.0.113.7',
          masterAuth: {
            clusterCaCertificate: base64('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
          },
        },
        /not a base64-encoded PEM certificate/,
      ],
    ];
    for (const [what, body, message] of cases) {
      test(what, async () => {
        const name = `malformed-${what.replace(/[^a-z]+/g, '-')}`.slice(0, 40).replace(/-+$/, '');
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        await rejectsWith(failing(name, 200, text), name, { message, transient: false });
      });
    }
  });

  describe('the token source', () => {
    test('a failing token source: transient, and the Container API is not called', async () => {
      const gke = createGkeCredentials({
        tokens: { getAccessToken: () => Promise.reject(new Error('metadata server unreachable')) },
        containerApiUrl: api.url,
      });
      await rejectsWith(gke.kubeConfigFor(cluster('no-token')), 'no-token', {
        message:
          /^cannot get an access token for cluster \S+ \(the applier's identity\): metadata server unreachable$/,
        transient: true,
      });
      assert.equal(api.callsFor(resourceName('no-token')), 0);
    });

    test('a token source that never answers times out', async () => {
      const gke = createGkeCredentials({
        tokens: { getAccessToken: () => new Promise<string>(() => undefined) },
        containerApiUrl: api.url,
        timeoutMs: 200,
      });
      await rejectsWith(gke.kubeConfigFor(cluster('hung-token')), 'hung-token', {
        message: /cannot get an access token .*: no token within 200 ms$/,
        transient: true,
      });
    });
  });
});
