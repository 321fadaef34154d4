import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Annotation, type AppliedEntry } from '../../core/applier/state.js';
import {
  ApiState,
  RoutingStatus,
  nextChangeAt,
  routingView,
  viewKey,
  type RoutingSnapshot,
} from './routing-view.js';

const target = { namespace: 'default', virtualService: 'worker-virtual-service' };
const now = new Date('2026-11-26T10:30:00.000Z');
/** The codelab's VirtualService as the repository ships it: all to primary, no annotations. */
const codelab = parse(
  readFileSync(new URL('../../istio/traffic/worker-virtualservice.yaml', import.meta.url), 'utf8'),
) as { metadata: Record<string, unknown>; spec: { http: { route: { weight: number }[] }[] } };

const live = (object: unknown): RoutingSnapshot => ({ api: ApiState.Live, object });
const view = (snapshot: RoutingSnapshot, routeName?: string) =>
  routingView({ target, source: { snapshot }, now, routeName });

/** The codelab's VirtualService with weights and annotations. */
function vs(weights: [number, number], annotations?: Record<string, string>) {
  const copy = structuredClone(codelab);
  const route = copy.spec.http[0]?.route ?? [];
  if (route[0]) route[0].weight = weights[0];
  if (route[1]) route[1].weight = weights[1];
  copy.metadata = { ...copy.metadata, resourceVersion: '7', ...(annotations ? { annotations } : {}) };
  return copy;
}

const auto: AppliedEntry = {
  id: 'auto-1',
  kind: 'auto',
  issuedAt: '2026-11-26T10:00:00.000Z',
  weights: { primary: 0, burst: 100 },
  reason: 'rate 20.1 req/s above 15',
  appliedAt: '2026-11-26T10:00:00.200Z',
};
const overrideEntry: AppliedEntry = {
  id: 'op-1',
  kind: 'override',
  issuedAt: '2026-11-26T10:10:00.000Z',
  weights: { primary: 70, burst: 30 },
  reason: 'launch day <b>not markup</b>',
  appliedAt: '2026-11-26T10:10:00.300Z',
};
const overrideState = (until: string) => ({
  weights: { primary: 70, burst: 30 },
  until,
  reason: overrideEntry.reason,
  id: overrideEntry.id,
});
const annotated = (until: string) =>
  vs([70, 30], {
    [Annotation.LastApplied]: JSON.stringify(overrideEntry),
    [Annotation.History]: JSON.stringify([overrideEntry, auto]),
    [Annotation.Override]: JSON.stringify(overrideState(until)),
  });

describe('routing view', () => {
  test('the codelab VirtualService: 100/0, no override, no decisions', () => {
    const v = view(live(codelab));
    assert.equal(v.status, RoutingStatus.Ok);
    assert.equal(v.message, null);
    assert.deepEqual(v.weights, { primary: 100, burst: 0 });
    assert.deepEqual(v.route, { index: 0, name: 'worker' });
    assert.equal(v.override, null);
    assert.deepEqual(v.decisions, []);
    assert.deepEqual(v.notes, []);
    assert.deepEqual(v.api, { state: 'live', reason: null, since: null });
    assert.deepEqual(v.target, target);
    assert.equal(v.now, '2026-11-26T10:30:00.000Z');
  });

  test('last-applied, history and an active override: weights, the override with its expiry, decisions newest first', () => {
    const v = view(live(annotated('2026-11-26T11:00:00.000Z')));
    assert.equal(v.status, RoutingStatus.Ok);
    assert.deepEqual(v.weights, { primary: 70, burst: 30 });
    assert.deepEqual(v.override, { ...overrideState('2026-11-26T11:00:00.000Z'), active: true });
    assert.deepEqual(v.decisions, [overrideEntry, auto]);
    assert.equal(v.resourceVersion, '7');
    assert.deepEqual(v.notes, []);
    assert.equal(nextChangeAt(v), Date.parse('2026-11-26T11:00:00.000Z'));
  });

  test('an expired override is shown as no longer active; nothing changes by itself then', () => {
    const v = view(live(annotated('2026-11-26T10:29:59.000Z')));
    assert.equal(v.override?.active, false);
    assert.equal(v.override?.until, '2026-11-26T10:29:59.000Z');
    assert.equal(nextChangeAt(v), undefined);
  });

  test('a last-applied decision missing from the history is shown first', () => {
    const v = view(
      live(
        vs([0, 100], {
          [Annotation.LastApplied]: JSON.stringify(overrideEntry),
          [Annotation.History]: JSON.stringify([auto]),
        }),
      ),
    );
    assert.deepEqual(
      v.decisions.map((d) => d.id),
      ['op-1', 'auto-1'],
    );
  });

  test('a VirtualService without a managed route: unmanaged, with the reason; its annotations still shown', () => {
    const object = vs([70, 30], { [Annotation.History]: JSON.stringify([auto]) });
    const route = object.spec.http[0]?.route as unknown[];
    route.push({ destination: { host: 'worker-service', subset: 'canary' }, weight: 0 });
    const v = view(live(object));
    assert.equal(v.status, RoutingStatus.Unmanaged);
    assert.match(v.message ?? '', /cannot manage VirtualService default\/worker-virtual-service/);
    assert.match(v.message ?? '', /must have exactly two destinations/);
    assert.equal(v.weights, null);
    assert.equal(v.route, null);
    assert.deepEqual(v.decisions, [auto]);
  });

  test('a route name that is not there (ROUTING_ROUTE): unmanaged, naming it', () => {
    const v = view(live(codelab), 'other');
    assert.equal(v.status, RoutingStatus.Unmanaged);
    assert.match(v.message ?? '', /no http route named "other"/);
  });

  test('malformed annotations are ignored with a note each; the weights are still shown', () => {
    const v = view(
      live(
        vs([40, 60], {
          [Annotation.LastApplied]: '{not json',
          [Annotation.History]: JSON.stringify([{ ...auto, weights: { primary: 60, burst: 60 } }]),
          [Annotation.Override]: JSON.stringify({ weights: { primary: 1 } }),
        }),
      ),
    );
    assert.equal(v.status, RoutingStatus.Ok);
    assert.deepEqual(v.weights, { primary: 40, burst: 60 });
    assert.equal(v.override, null);
    assert.deepEqual(v.decisions, []);
    assert.equal(v.notes.length, 3);
    assert.match(v.notes.join('\n'), /spillway\.dev\/last-applied is not JSON/);
    assert.match(v.notes.join('\n'), /spillway\.dev\/history is not valid/);
    assert.match(v.notes.join('\n'), /spillway\.dev\/override is not valid/);
  });

  test('annotations that are not strings, and an object that is no VirtualService, do not crash', () => {
    const odd = { metadata: { annotations: { [Annotation.History]: 42 } }, spec: { http: 'no' } };
    const v = view(live(odd));
    assert.equal(v.status, RoutingStatus.Unmanaged);
    assert.match(v.message ?? '', /no http routes/);
    for (const object of ['text', 42, [], { metadata: null }]) {
      assert.equal(view(live(object)).status, RoutingStatus.Unmanaged, JSON.stringify(object));
    }
  });

  test('weights that do not sum to 100: none shown, with a note', () => {
    const v = view(live(vs([50, 20])));
    assert.equal(v.status, RoutingStatus.Ok);
    assert.equal(v.weights, null);
    assert.match(v.notes.join('\n'), /do not sum to 100/);
  });

  test('no Kubernetes access: unavailable, saying why', () => {
    const v = routingView({ target, source: { unavailable: 'no kubeconfig here' }, now });
    assert.equal(v.status, RoutingStatus.Unavailable);
    assert.equal(v.api.state, ApiState.Unavailable);
    assert.equal(v.api.reason, 'no kubeconfig here');
    assert.match(v.message ?? '', /Routing state is not available: no kubeconfig here/);
    assert.equal(v.weights, null);
  });

  test('before the first list: waiting, with the last error', () => {
    const v = view({
      api: ApiState.Connecting,
      object: undefined,
      since: now.getTime() - 5000,
      error: 'refused',
    });
    assert.equal(v.status, RoutingStatus.Waiting);
    assert.match(v.message ?? '', /Waiting for the Kubernetes API: refused/);
    assert.deepEqual(v.api, { state: 'connecting', reason: 'refused', since: '2026-11-26T10:29:55.000Z' });
  });

  test('not found; and the last known state kept while the API is lost, marked stale with the time', () => {
    const missing = view(live(null));
    assert.equal(missing.status, RoutingStatus.NotFound);
    assert.equal(missing.message, 'VirtualService default/worker-virtual-service not found');
    const stale = view({
      api: ApiState.Stale,
      object: vs([70, 30]),
      since: Date.parse('2026-11-26T10:29:00.000Z'),
      error: 'connect ECONNREFUSED',
    });
    assert.equal(stale.status, RoutingStatus.Ok);
    assert.deepEqual(stale.weights, { primary: 70, burst: 30 });
    assert.deepEqual(stale.api, {
      state: 'stale',
      reason: 'connect ECONNREFUSED',
      since: '2026-11-26T10:29:00.000Z',
    });
  });

  test('the view key ignores the time of the view, not what it shows', () => {
    const a = view(live(codelab));
    const b = routingView({
      target,
      source: { snapshot: live(codelab) },
      now: new Date(now.getTime() + 1000),
    });
    assert.notEqual(a.now, b.now);
    assert.equal(viewKey(a), viewKey(b));
    assert.notEqual(viewKey(a), viewKey(view(live(vs([70, 30])))));
  });
});
