import type { ManagedRoute } from './route.js';
import type { Weights } from '../weights.js';

/** An RFC 6902 JSON patch operation, as the Kubernetes API takes them (`application/json-patch+json`). */
export type JsonPatchOp =
  { op: 'test' | 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

/** RFC 6901: `~` → `~0`, `/` → `~1` (`spillway.dev/override` → `spillway.dev~1override`). */
export function pointerSegment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

export type PatchInput = {
  /** The resourceVersion the plan was made from: the patch applies only to that version. */
  resourceVersion: string;
  route: ManagedRoute;
  /** undefined: leave the weights as they are. */
  weights?: Weights;
  /** The object's annotations as read (undefined when it has none). */
  annotations: Readonly<Record<string, string>> | undefined;
  /** Spillway's annotations to set (string) or remove (null). */
  set: Readonly<Record<string, string | null>>;
};

/**
 * The JSON patch that changes only the two weights of the managed route and Spillway's annotations. It
 * starts with `test` operations — the resourceVersion it was planned from and the subset at each index — so
 * the API server refuses it (422) when anything changed since it was read; the caller then re-reads and
 * plans again. Nothing else of the object is touched, so a user's edit made meanwhile survives.
 */
export function buildPatch(input: PatchInput): JsonPatchOp[] {
  const { route } = input;
  const base = `/spec/http/${route.http}/route`;
  const ops: JsonPatchOp[] = [
    { op: 'test', path: '/metadata/resourceVersion', value: input.resourceVersion },
    { op: 'test', path: `${base}/${route.primary}/destination/subset`, value: 'primary' },
    { op: 'test', path: `${base}/${route.burst}/destination/subset`, value: 'burst' },
  ];
  if (input.weights !== undefined) {
    // `add` sets a member whether it is there or not (a weight of 0 may be left out).
    ops.push({ op: 'add', path: `${base}/${route.primary}/weight`, value: input.weights.primary });
    ops.push({ op: 'add', path: `${base}/${route.burst}/weight`, value: input.weights.burst });
  }
  if (input.annotations === undefined) {
    const added = Object.fromEntries(Object.entries(input.set).filter(([, v]) => v !== null));
    if (Object.keys(added).length > 0) ops.push({ op: 'add', path: '/metadata/annotations', value: added });
    return ops;
  }
  for (const [key, value] of Object.entries(input.set)) {
    const path = `/metadata/annotations/${pointerSegment(key)}`;
    if (value !== null) ops.push({ op: 'add', path, value });
    else if (key in input.annotations) ops.push({ op: 'remove', path });
  }
  return ops;
}
