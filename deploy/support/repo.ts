import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The repository root. */
export const root = fileURLToPath(new URL('../../', import.meta.url));

export const readText = (path: string): string => readFileSync(join(root, path), 'utf8');

/** A Kubernetes-style object as parsed from YAML (untyped: the tests check its shape). */
export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
};

/** Every YAML file of the deployment assets: k8s/, istio/, cloudbuild.yaml and scheduler.yaml. */
export function deploymentYamlFiles(): string[] {
  const files = [...walk('k8s'), ...walk('istio'), 'cloudbuild.yaml', 'scheduler.yaml'];
  return files.sort();
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir))) {
    const path = join(dir, entry);
    if (statSync(join(root, path)).isDirectory()) out.push(...walk(path));
    else if (/\.ya?ml$/.test(entry)) out.push(path);
  }
  return out;
}

/**
 * Parses every document of a YAML text strictly: any error or warning (duplicate keys, bad indentation,
 * tabs…) throws with its position. Empty documents are dropped.
 */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  const documents = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  const list = Array.isArray(documents) ? documents : [documents];
  const values: unknown[] = [];
  for (const document of list) {
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) {
      throw new Error(`${source}: ${problems.map((p) => p.message).join('; ')}`);
    }
    const value: unknown = document.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

export const parseYamlFile = (path: string): unknown[] => parseYamlDocuments(readText(path), path);

export function isKubeObject(value: unknown): value is KubeObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['apiVersion'] === 'string' &&
    typeof (value as Record<string, unknown>)['kind'] === 'string'
  );
}

/** The objects of one file, each with where it came from. */
export function objectsOf(path: string): KubeObject[] {
  return parseYamlFile(path).map((value, index) => {
    if (!isKubeObject(value)) throw new Error(`${path}: document ${index + 1} has no apiVersion/kind`);
    return value;
  });
}

export const describeObject = (o: KubeObject): string =>
  `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? '?'}`;
