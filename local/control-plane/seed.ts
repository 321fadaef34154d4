/**
 * Seed files: the objects a fresh control plane starts with. By default the repository's worker
 * VirtualService and DestinationRule from `istio/traffic/` (the codelab's starting state, all to primary).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { isJsonObject, type JsonObject } from './objects.js';
import type { Registry } from './registry.js';
import { Group, GroupVersion, resourceByKind } from './resources.js';
import { ApiError } from './status.js';

export const DefaultSeedFiles: readonly string[] = [
  fileURLToPath(new URL('../../istio/traffic/worker-virtualservice.yaml', import.meta.url)),
  fileURLToPath(new URL('../../istio/traffic/worker-destinationrule.yaml', import.meta.url)),
];

/** Istio serves the same schema under these versions; seeds written for any of them are stored as v1. */
const ServedIstioVersions = new Set([`${Group}/v1alpha3`, `${Group}/v1beta1`, GroupVersion]);

/** The objects of one YAML file (one or more documents), checked to be VirtualServices or DestinationRules. */
function readSeedFile(path: string): JsonObject[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read seed file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const objects: JsonObject[] = [];
  for (const [index, document] of parseAllDocuments(text).entries()) {
    const where = `${path}, document ${index + 1}`;
    if (document.errors.length > 0) throw new Error(`${where}: invalid YAML: ${document.errors[0]?.message}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue; // an empty document (e.g. a trailing ---)
    if (!isJsonObject(value)) throw new Error(`${where}: not a Kubernetes object`);
    const { apiVersion, kind } = value;
    if (typeof apiVersion !== 'string' || !ServedIstioVersions.has(apiVersion)) {
      throw new Error(
        `${where}: apiVersion must be ${GroupVersion} (got ${JSON.stringify(apiVersion ?? null)})`,
      );
    }
    if (typeof kind !== 'string' || resourceByKind(kind) === undefined) {
      throw new Error(
        `${where}: kind must be VirtualService or DestinationRule (got ${JSON.stringify(kind ?? null)})`,
      );
    }
    objects.push({ ...value, apiVersion: GroupVersion });
  }
  return objects;
}

/** Creates every object of the seed files (namespace `default` when the file names none). */
export function loadSeeds(registry: Registry, paths: readonly string[]): number {
  let count = 0;
  for (const path of paths) {
    for (const object of readSeedFile(path)) {
      const metadata = isJsonObject(object['metadata']) ? object['metadata'] : {};
      const namespace =
        typeof metadata['namespace'] === 'string' && metadata['namespace'] !== ''
          ? metadata['namespace']
          : 'default';
      const kind = String(object['kind']);
      const type = resourceByKind(kind);
      if (type === undefined) continue; // checked by readSeedFile
      try {
        registry.create(type, namespace, object);
      } catch (err) {
        const reason = err instanceof ApiError ? err.status.message : (err as Error).message;
        throw new Error(
          `seed file ${path}: cannot create ${kind} ${JSON.stringify(metadata['name'] ?? '')}: ${reason}`,
          {
            cause: err,
          },
        );
      }
      count++;
    }
  }
  return count;
}
