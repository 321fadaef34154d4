/** JSON values and the shape of the stored Kubernetes objects. */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** The parts of `metadata` the control plane reads or sets; everything else is kept as sent. */
export interface ObjectMeta extends JsonObject {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  generation: number;
  creationTimestamp: string;
}

/** A stored VirtualService or DestinationRule. */
export interface KubeObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepCopy<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** Structural equality of JSON values (object key order does not matter). */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

/** Labels of an object (`metadata.labels`), only the string values. */
export function labelsOf(object: KubeObject): Record<string, string> {
  const labels = object.metadata['labels'];
  const result: Record<string, string> = {};
  if (isJsonObject(labels)) {
    for (const [key, value] of Object.entries(labels)) if (typeof value === 'string') result[key] = value;
  }
  return result;
}
