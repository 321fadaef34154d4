/** Bad requests get the Status a real Kubernetes API server answers, and never hurt the server. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, SeedVs, startTestControlPlane, VsPath, type TestControlPlane } from './test-helpers.js';

const vs = (name: string) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name },
  spec: { hosts: [name] },
});

describe('control plane API errors', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startTestControlPlane();
  });
  after(() => cp.dispose());

  const expectStatus = (
    response: {
      status: number;
      body: { kind: string; status: string; code: number; reason: string; message: string };
    },
    code: number,
    reason: string,
    message?: string | RegExp,
  ) => {
    assert.equal(response.status, code, JSON.stringify(response.body));
    assert.equal(response.body.kind, 'Status');
    assert.equal(response.body.status, 'Failure');
    assert.equal(response.body.code, code);
    assert.equal(response.body.reason, reason);
    if (typeof message === 'string') assert.equal(response.body.message, message);
    else if (message) assert.match(response.body.message, message);
  };

  test('a body that is not JSON → 400 BadRequest', async () => {
    expectStatus(
      await api(cp.url, 'POST', VsPath, { body: '{"apiVersion": ' }),
      400,
      'BadRequest',
      /^the object provided is unrecognized \(must be of type VirtualService\): couldn't get version\/kind; json parse error/,
    );
  });

  test('the wrong kind → 422 Invalid; the wrong apiVersion → 400 BadRequest', async () => {
    expectStatus(
      await api(cp.url, 'POST', VsPath, { body: { ...vs('k'), kind: 'DestinationRule' } }),
      422,
      'Invalid',
      'VirtualService.networking.istio.io "k" is invalid: kind: Invalid value: "DestinationRule": must be VirtualService',
    );
    expectStatus(
      await api(cp.url, 'POST', VsPath, { body: { ...vs('k'), apiVersion: 'networking.istio.io/v1beta2' } }),
      400,
      'BadRequest',
      'the API version in the data (networking.istio.io/v1beta2) does not match the expected API version (networking.istio.io/v1)',
    );
    expectStatus(
      await api(cp.url, 'POST', VsPath, { body: { metadata: { name: 'x' } } }),
      400,
      'BadRequest',
      /Kind' is missing/,
    );
  });

  test('name and namespace must match the URL → 400 BadRequest', async () => {
    const current = (await api(cp.url, 'GET', `${VsPath}/${SeedVs}`)).body;
    expectStatus(
      await api(cp.url, 'PUT', `${VsPath}/${SeedVs}`, {
        body: { ...current, metadata: { ...current.metadata, name: 'other' } },
      }),
      400,
      'BadRequest',
      `the name of the object (other) does not match the name on the URL (${SeedVs})`,
    );
    expectStatus(
      await api(cp.url, 'POST', VsPath, {
        body: { ...vs('ns'), metadata: { name: 'ns', namespace: 'elsewhere' } },
      }),
      400,
      'BadRequest',
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  });

  test('names must be DNS-1123 subdomains, and are required → 422 Invalid', async () => {
    const bad = await api(cp.url, 'POST', VsPath, { body: vs('Not_Valid') });
    expectStatus(
      bad,
      422,
      'Invalid',
      /^VirtualService\.networking\.istio\.io "Not_Valid" is invalid: metadata\.name: Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain/,
    );
    expectStatus(
      await api(cp.url, 'POST', VsPath, { body: { ...vs('x'), metadata: {} } }),
      422,
      'Invalid',
      'VirtualService.networking.istio.io "" is invalid: metadata.name: Required value: name or generateName is required',
    );
    const generated = await api(cp.url, 'POST', VsPath, {
      body: { ...vs('x'), metadata: { generateName: 'gen-' } },
    });
    assert.equal(generated.status, 201);
    assert.match(generated.body.metadata.name, /^gen-[a-z0-9]{5}$/);
  });

  test('create of an existing name → 409 AlreadyExists', async () => {
    expectStatus(
      await api(cp.url, 'POST', VsPath, { body: vs(SeedVs) }),
      409,
      'AlreadyExists',
      `virtualservices.networking.istio.io "${SeedVs}" already exists`,
    );
  });

  test('unknown resources, groups, versions and objects → 404 NotFound', async () => {
    for (const path of [
      '/apis/networking.istio.io/v1/namespaces/default/gateways',
      '/apis/networking.istio.io/v1beta1/namespaces/default/virtualservices',
      '/apis/apps/v1/namespaces/default/deployments',
      '/nothing/here',
    ]) {
      expectStatus(
        await api(cp.url, 'GET', path),
        404,
        'NotFound',
        'the server could not find the requested resource',
      );
    }
    const missing = await api(cp.url, 'GET', `${VsPath}/absent`);
    expectStatus(missing, 404, 'NotFound', 'virtualservices.networking.istio.io "absent" not found');
    assert.deepEqual(missing.body.details, {
      name: 'absent',
      group: 'networking.istio.io',
      kind: 'virtualservices',
    });
  });

  test('strategic merge patch → 415 as for every custom resource; server-side apply → 415 with a reason', async () => {
    const path = `${VsPath}/${SeedVs}`;
    expectStatus(
      await api(cp.url, 'PATCH', path, { body: {}, contentType: 'application/strategic-merge-patch+json' }),
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json',
    );
    expectStatus(
      await api(cp.url, 'PATCH', path, { body: 'spec: {}', contentType: 'application/apply-patch+yaml' }),
      415,
      'UnsupportedMediaType',
      /server-side apply .* is not supported/,
    );
  });

  test('a JSON patch whose test fails → 422, nothing changed; a malformed one → 400', async () => {
    const path = `${VsPath}/${SeedVs}`;
    const before = (await api(cp.url, 'GET', path)).body;
    const failed = await api(cp.url, 'PATCH', path, {
      body: [
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 1 },
        { op: 'test', path: '/spec/http/0/route/1/weight', value: 12345 },
      ],
      contentType: 'application/json-patch+json',
    });
    expectStatus(failed, 422, 'Invalid', 'the server rejected our request due to an error in our request');
    assert.deepEqual((await api(cp.url, 'GET', path)).body, before);

    expectStatus(
      await api(cp.url, 'PATCH', path, {
        body: [{ op: 'jump', path: '/x' }],
        contentType: 'application/json-patch+json',
      }),
      400,
      'BadRequest',
    );
    expectStatus(
      await api(cp.url, 'PATCH', path, { body: '{oops', contentType: 'application/merge-patch+json' }),
      400,
      'BadRequest',
      /^error decoding patch: /,
    );
  });

  test('a patch may not rename the object or change its kind', async () => {
    const path = `${VsPath}/${SeedVs}`;
    expectStatus(
      await api(cp.url, 'PATCH', path, {
        body: { metadata: { name: 'renamed' } },
        contentType: 'application/merge-patch+json',
      }),
      400,
      'BadRequest',
      `the name of the object (renamed) does not match the name on the URL (${SeedVs})`,
    );
    expectStatus(
      await api(cp.url, 'PATCH', path, {
        body: { kind: 'Gateway' },
        contentType: 'application/merge-patch+json',
      }),
      422,
      'Invalid',
    );
  });

  test('bad query parameters and methods', async () => {
    expectStatus(
      await api(cp.url, 'GET', `${VsPath}?fieldSelector=spec.hosts%3Dx`),
      400,
      'BadRequest',
      'field label not supported: spec.hosts',
    );
    expectStatus(await api(cp.url, 'GET', `${VsPath}?watch=1&resourceVersion=abc`), 400, 'BadRequest');
    expectStatus(
      await api(cp.url, 'POST', '/apis/networking.istio.io/v1/virtualservices', { body: vs('x') }),
      405,
      'MethodNotAllowed',
    );
    expectStatus(
      await api(cp.url, 'GET', VsPath, { accept: 'application/vnd.kubernetes.protobuf' }),
      406,
      'NotAcceptable',
    );
    expectStatus(
      await api(cp.url, 'POST', VsPath, { body: 'x', contentType: 'text/plain' }),
      415,
      'UnsupportedMediaType',
    );
  });

  test('a body over 3 MiB → 413', async () => {
    const huge = JSON.stringify({ ...vs('huge'), spec: { padding: 'x'.repeat(3 * 1024 * 1024) } });
    expectStatus(await api(cp.url, 'POST', VsPath, { body: huge }), 413, 'RequestEntityTooLarge');
  });

  test('the server still answers after all of that', async () => {
    assert.equal((await api(cp.url, 'GET', `${VsPath}/${SeedVs}`)).status, 200);
  });
});
