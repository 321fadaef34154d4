/**
 * The control plane's state on disk: one JSON file, `DIR/state.json`, rewritten after every change through a
 * temporary file that is flushed (fsync) and renamed over the old one, so the file is always either the old
 * or the new state, never half of one, and what was acknowledged survives a kill.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isJsonObject, type KubeObject } from './objects.js';
import { resourceByKind, GroupVersion } from './resources.js';

const StateFileName = 'state.json';
const Format = 'spillway-control-plane/v1';

export interface StoredState {
  /** The last resourceVersion handed out (the global counter). */
  readonly resourceVersion: number;
  readonly objects: readonly KubeObject[];
}

export function statePath(dataDir: string): string {
  return join(dataDir, StateFileName);
}

/** Writes `content` to `path` atomically and durably (temp file, fsync, rename). */
export function writeFileAtomic(path: string, content: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

export function saveState(dataDir: string, state: StoredState): void {
  const document = {
    format: Format,
    resourceVersion: String(state.resourceVersion),
    objects: state.objects,
  };
  writeFileAtomic(statePath(dataDir), `${JSON.stringify(document, null, 1)}\n`);
}

/** The saved state, or undefined when DIR holds none yet. A damaged file is an error, never overwritten. */
export function loadState(dataDir: string): StoredState | undefined {
  const path = statePath(dataDir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const problem = (what: string): Error =>
    new Error(
      `${path} is not a control plane state file (${what}); move it away to start from the seed files`,
    );
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw problem(`invalid JSON: ${(err as Error).message}`);
  }
  if (!isJsonObject(document) || document['format'] !== Format) throw problem(`"format" is not "${Format}"`);
  const resourceVersion = Number(document['resourceVersion']);
  if (!Number.isSafeInteger(resourceVersion) || resourceVersion < 0) throw problem('bad "resourceVersion"');
  const objects = document['objects'];
  if (!Array.isArray(objects)) throw problem('"objects" is not a list');
  for (const [index, object] of objects.entries()) {
    const ok =
      isJsonObject(object) &&
      object['apiVersion'] === GroupVersion &&
      typeof object['kind'] === 'string' &&
      resourceByKind(object['kind']) !== undefined &&
      isJsonObject(object['metadata']) &&
      typeof object['metadata']['name'] === 'string' &&
      typeof object['metadata']['namespace'] === 'string' &&
      Number(object['metadata']['resourceVersion']) <= resourceVersion;
    if (!ok) throw problem(`object ${index} is not a stored VirtualService or DestinationRule`);
  }
  return { resourceVersion, objects: objects as KubeObject[] };
}
