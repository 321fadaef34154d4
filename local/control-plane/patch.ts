/**
 * The two patch formats Kubernetes accepts for custom resources: JSON merge patch (RFC 7386) and JSON patch
 * (RFC 6902, with `test`). Pure functions on JSON values; errors say which operation failed and why.
 */
import { deepCopy, isJsonObject, jsonEqual, type Json, type JsonObject } from './objects.js';

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isJsonObject(patch)) return deepCopy(patch);
  const result: JsonObject = isJsonObject(target) ? deepCopy(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) Reflect.deleteProperty(result, key);
    else result[key] = applyMergePatch(result[key] ?? null, value);
  }
  return result;
}

/** The patch document is not a valid RFC 6902 patch (answered 400). */
export class JsonPatchFormatError extends Error {
  override readonly name = 'JsonPatchFormatError';
}

/** A valid patch that cannot be applied to this document, e.g. a failed `test` (answered 422). */
export class JsonPatchApplyError extends Error {
  override readonly name = 'JsonPatchApplyError';
}

export type JsonPatchOp =
  | { op: 'add' | 'replace' | 'test'; path: string; value: Json }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** Checks the shape of a parsed JSON patch document. */
export function parseJsonPatch(document: Json): JsonPatchOp[] {
  if (!Array.isArray(document)) throw new JsonPatchFormatError('a JSON patch must be an array of operations');
  return document.map((item, index) => {
    const where = `operation ${index}`;
    if (!isJsonObject(item)) throw new JsonPatchFormatError(`${where} is not an object`);
    const { op, path } = item;
    if (typeof path !== 'string') throw new JsonPatchFormatError(`${where} has no string "path"`);
    parsePointer(path, where);
    switch (op) {
      case 'add':
      case 'replace':
      case 'test':
        if (!Object.hasOwn(item, 'value')) throw new JsonPatchFormatError(`${where} (${op}) has no "value"`);
        return { op, path, value: item['value'] ?? null };
      case 'remove':
        return { op, path };
      case 'move':
      case 'copy': {
        const from = item['from'];
        if (typeof from !== 'string') throw new JsonPatchFormatError(`${where} (${op}) has no string "from"`);
        parsePointer(from, where);
        return { op, from, path };
      }
      default:
        throw new JsonPatchFormatError(`${where} has an unknown "op": ${JSON.stringify(op ?? null)}`);
    }
  });
}

/** RFC 6901 pointer → reference tokens. */
function parsePointer(pointer: string, where: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new JsonPatchFormatError(`${where}: path ${JSON.stringify(pointer)} must start with "/"`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

interface Location {
  parent: Json[] | JsonObject;
  key: string;
}

/** The container and key a pointer designates (the container must exist). */
function locate(document: Json, pointer: string): Location {
  const tokens = parsePointer(pointer, 'path');
  const last = tokens.pop();
  if (last === undefined) throw new JsonPatchApplyError('the whole document cannot be the target');
  let node: Json = document;
  for (const token of tokens) {
    const next: Json | undefined = child(node, token);
    if (next === undefined) throw new JsonPatchApplyError(`path ${pointer}: ${token} does not exist`);
    node = next;
  }
  if (!Array.isArray(node) && !isJsonObject(node)) {
    throw new JsonPatchApplyError(`path ${pointer}: the parent is not an object or array`);
  }
  return { parent: node, key: last };
}

function child(node: Json, token: string): Json | undefined {
  if (Array.isArray(node)) {
    const index = arrayIndex(token, node.length - 1);
    return index === undefined ? undefined : node[index];
  }
  if (isJsonObject(node)) return Object.hasOwn(node, token) ? node[token] : undefined;
  return undefined;
}

function arrayIndex(token: string, max: number): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const index = Number(token);
  return index <= max ? index : undefined;
}

function getAt(document: Json, pointer: string): Json {
  if (pointer === '') return document;
  const { parent, key } = locate(document, pointer);
  const value = child(parent, key);
  if (value === undefined) throw new JsonPatchApplyError(`path ${pointer} does not exist`);
  return value;
}

function removeAt(document: Json, pointer: string): Json {
  const { parent, key } = locate(document, pointer);
  const value = child(parent, key);
  if (value === undefined) throw new JsonPatchApplyError(`cannot remove ${pointer}: it does not exist`);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else Reflect.deleteProperty(parent, key);
  return value;
}

function addAt(document: Json, pointer: string, value: Json): Json {
  if (pointer === '') return value;
  const { parent, key } = locate(document, pointer);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : arrayIndex(key, parent.length);
    if (index === undefined) throw new JsonPatchApplyError(`cannot add at ${pointer}: index out of range`);
    parent.splice(index, 0, value);
  } else {
    parent[key] = value;
  }
  return document;
}

function replaceAt(document: Json, pointer: string, value: Json): Json {
  if (pointer === '') return value;
  const { parent, key } = locate(document, pointer);
  if (child(parent, key) === undefined) {
    throw new JsonPatchApplyError(`cannot replace ${pointer}: it does not exist`);
  }
  if (Array.isArray(parent)) parent[Number(key)] = value;
  else parent[key] = value;
  return document;
}

/** Applies the operations in order to a copy of `document`; all or nothing. */
export function applyJsonPatch(document: Json, operations: readonly JsonPatchOp[]): Json {
  let result = deepCopy(document);
  for (const [index, operation] of operations.entries()) {
    try {
      switch (operation.op) {
        case 'add':
          result = addAt(result, operation.path, deepCopy(operation.value));
          break;
        case 'remove':
          removeAt(result, operation.path);
          break;
        case 'replace':
          result = replaceAt(result, operation.path, deepCopy(operation.value));
          break;
        case 'move': {
          if (operation.path.startsWith(`${operation.from}/`)) {
            throw new JsonPatchApplyError(`cannot move ${operation.from} into itself`);
          }
          const value = removeAt(result, operation.from);
          result = addAt(result, operation.path, value);
          break;
        }
        case 'copy':
          result = addAt(result, operation.path, deepCopy(getAt(result, operation.from)));
          break;
        case 'test': {
          const actual = getAt(result, operation.path);
          if (!jsonEqual(actual, operation.value)) {
            throw new JsonPatchApplyError(
              `test failed: ${operation.path} is ${JSON.stringify(actual)}, not ${JSON.stringify(operation.value)}`,
            );
          }
          break;
        }
      }
    } catch (err) {
      if (err instanceof JsonPatchApplyError) {
        throw new JsonPatchApplyError(`operation ${index} (${operation.op}): ${err.message}`, { cause: err });
      }
      throw err;
    }
  }
  return result;
}
