import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { root, parseYamlDocuments, isKubeObject, type KubeObject } from './repo.js';

const run = promisify(execFile);

/** Renders a kustomization with the real `kubectl kustomize`. */
export async function kustomize(dir: string, cwd = root): Promise<KubeObject[]> {
  let stdout: string;
  try {
    ({ stdout } = await run('kubectl', ['kustomize', dir], { cwd, maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`kubectl kustomize ${dir} failed: ${stderr || String(err)}`, { cause: err });
  }
  return parseYamlDocuments(stdout, `kubectl kustomize ${join(cwd, dir)}`).map((value) => {
    if (!isKubeObject(value)) throw new Error(`kubectl kustomize ${dir}: an object without apiVersion/kind`);
    return value;
  });
}

export const overlays = ['primary', 'burst'] as const;
export type Overlay = (typeof overlays)[number];

const rendered = new Map<Overlay, Promise<KubeObject[]>>();

/** The rendered overlay (rendered once per test process). */
export function renderOverlay(overlay: Overlay): Promise<KubeObject[]> {
  let objects = rendered.get(overlay);
  if (!objects) {
    objects = kustomize(`k8s/overlays/${overlay}`);
    rendered.set(overlay, objects);
  }
  return objects;
}
