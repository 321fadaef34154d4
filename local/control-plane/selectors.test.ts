import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { ApiError } from './status.js';

describe('label selectors', () => {
  const labels = { app: 'worker', tier: 'backend', 'topology.istio.io/cluster': 'primary' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=worker', true],
    ['app==worker', true],
    ['app!=worker', false],
    ['app=frontend', false],
    ['app=worker,tier=backend', true],
    ['app=worker,tier=frontend', false],
    ['topology.istio.io/cluster=primary', true],
    ['tier in (backend, frontend)', true],
    ['tier notin (backend)', false],
    ['missing notin (x)', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['app in (worker),!missing', true],
  ];
  for (const [selector, expected] of cases) {
    test(`${JSON.stringify(selector)} → ${expected}`, () => {
      assert.equal(parseLabelSelector(selector)(labels), expected);
    });
  }

  test('a malformed selector is a 400', () => {
    assert.throws(
      () => parseLabelSelector('app=wor ker'),
      (err: unknown) => err instanceof ApiError && err.code === 400,
    );
  });
});

describe('field selectors', () => {
  const fields = { 'metadata.name': 'a', 'metadata.namespace': 'default' };
  test('metadata.name and metadata.namespace, with =, == and !=', () => {
    assert.equal(parseFieldSelector('metadata.name=a')(fields), true);
    assert.equal(parseFieldSelector('metadata.name==b')(fields), false);
    assert.equal(parseFieldSelector('metadata.name!=b,metadata.namespace=default')(fields), true);
    assert.equal(parseFieldSelector(null)(fields), true);
  });

  test('other fields are refused as a real server does for custom resources', () => {
    assert.throws(
      () => parseFieldSelector('spec.hosts=x'),
      (err: unknown) =>
        err instanceof ApiError &&
        err.code === 400 &&
        err.message === 'field label not supported: spec.hosts',
    );
  });
});
