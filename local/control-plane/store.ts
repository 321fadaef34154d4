/**
 * The objects, the global resourceVersion counter and the recent change history that watches replay.
 * Every change is saved (through `persist`) before it is applied in memory and announced, so a change a
 * client saw acknowledged is on disk; when saving fails, nothing changes and the caller gets the error.
 */
import { deepCopy, type KubeObject } from './objects.js';
import { resourceByKind, type ResourceType } from './resources.js';
import type { StoredState } from './persistence.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  readonly type: ChangeType;
  readonly resource: ResourceType;
  /** The object after the change (for DELETED: as it was, with the deletion's resourceVersion). */
  readonly object: KubeObject;
  readonly resourceVersion: number;
  /** The object before a MODIFIED change (watches with a label selector need it). */
  readonly previous?: KubeObject;
}

export type ChangeListener = (change: Change) => void;

const keyOf = (resource: ResourceType, namespace: string, name: string): string =>
  `${resource.plural}/${namespace}/${name}`;

export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private revision: number;
  private readonly history: Change[] = [];
  /** Every change after this revision is in `history`; a watch from before it cannot be served. */
  private compacted: number;
  private readonly listeners = new Set<ChangeListener>();

  constructor(
    state: StoredState,
    private readonly persist: (state: StoredState) => void,
    private readonly historyLimit = 1000,
  ) {
    this.revision = state.resourceVersion;
    this.compacted = state.resourceVersion;
    for (const object of state.objects) {
      const resource = resourceByKind(object.kind);
      if (resource)
        this.objects.set(keyOf(resource, object.metadata.namespace, object.metadata.name), object);
    }
  }

  /** The current resourceVersion (of the last change). */
  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch may start from. */
  get oldestWatchable(): number {
    return this.compacted;
  }

  get(resource: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const object = this.objects.get(keyOf(resource, namespace, name));
    return object === undefined ? undefined : deepCopy(object);
  }

  /** Objects of one type, in one namespace or all, sorted by namespace then name as a real server lists. */
  list(resource: ResourceType, namespace?: string): KubeObject[] {
    const prefix = namespace === undefined ? `${resource.plural}/` : `${resource.plural}/${namespace}/`;
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => deepCopy(object));
  }

  /** Changes of `resource` after `resourceVersion`, oldest first (the caller checks `oldestWatchable`). */
  changesSince(resource: ResourceType, resourceVersion: number): Change[] {
    return this.history.filter(
      (change) => change.resource === resource && change.resourceVersion > resourceVersion,
    );
  }

  /** Everything, as saved. */
  snapshot(): StoredState {
    return { resourceVersion: this.revision, objects: [...this.objects.values()].map((o) => deepCopy(o)) };
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Stores `object` (created or replaced) with the next resourceVersion, set on it here. Returns the stored
   * copy.
   */
  put(resource: ResourceType, object: KubeObject, type: 'ADDED' | 'MODIFIED'): KubeObject {
    const key = keyOf(resource, object.metadata.namespace, object.metadata.name);
    const previous = this.objects.get(key);
    const next = this.revision + 1;
    const stored = deepCopy(object);
    stored.metadata.resourceVersion = String(next);
    this.commit(next, (objects) => objects.set(key, stored));
    this.announce({
      type,
      resource,
      object: deepCopy(stored),
      resourceVersion: next,
      ...(previous === undefined ? {} : { previous }),
    });
    return deepCopy(stored);
  }

  /** Removes an object; returns it as it was, with the deletion's resourceVersion. */
  remove(resource: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const key = keyOf(resource, namespace, name);
    const existing = this.objects.get(key);
    if (existing === undefined) return undefined;
    const next = this.revision + 1;
    this.commit(next, (objects) => objects.delete(key));
    const deleted = deepCopy(existing);
    deleted.metadata.resourceVersion = String(next);
    this.announce({ type: 'DELETED', resource, object: deepCopy(deleted), resourceVersion: next });
    return deleted;
  }

  private commit(next: number, change: (objects: Map<string, KubeObject>) => void): void {
    const updated = new Map(this.objects);
    change(updated);
    this.persist({ resourceVersion: next, objects: [...updated.values()] }); // throws: nothing changes
    this.objects.clear();
    for (const [key, object] of updated) this.objects.set(key, object);
    this.revision = next;
  }

  private announce(change: Change): void {
    this.history.push(change);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.compacted = dropped.resourceVersion;
    }
    for (const listener of this.listeners) listener(change);
  }
}
