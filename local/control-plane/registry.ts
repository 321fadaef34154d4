/**
 * What each verb does to a custom resource, following Kubernetes' generic registry and its custom resource
 * strategy: create sets uid, creationTimestamp and generation 1 and drops `status`; update and patch need
 * the current resourceVersion (409 Conflict otherwise), keep uid, creationTimestamp and `status`, and bump
 * `metadata.generation` only when something outside `metadata` changed; a write that changes nothing is not
 * a write (no new resourceVersion, no watch event).
 */
import { randomUUID } from 'node:crypto';
import { deepCopy, isJsonObject, jsonEqual, type Json, type JsonObject, type KubeObject } from './objects.js';
import {
  applyJsonPatch,
  applyMergePatch,
  JsonPatchApplyError,
  JsonPatchFormatError,
  parseJsonPatch,
} from './patch.js';
import { Group, qualifiedResource, type ResourceType } from './resources.js';
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  invalidValue,
  notFound,
  patchNotApplicable,
} from './status.js';
import type { ObjectStore } from './store.js';
import {
  checkName,
  checkNamespace,
  checkTypeMeta,
  metadataOf,
  nameForCreate,
  validateObject,
} from './validate.js';

export const PatchType = {
  Merge: 'application/merge-patch+json',
  Json: 'application/json-patch+json',
  StrategicMerge: 'application/strategic-merge-patch+json',
  Apply: 'application/apply-patch+yaml',
} as const;
export type PatchType = (typeof PatchType)[keyof typeof PatchType];

export interface WriteOptions {
  /** `dryRun=All`: everything but storing. */
  readonly dryRun?: boolean;
}

/** Called with the reason a JSON patch could not be applied (a real server answers only a generic 422). */
export type PatchFailureReporter = (detail: string) => void;

/** Kubernetes' timestamps: RFC 3339, UTC, whole seconds. */
function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function withoutManagedFields(metadata: JsonObject): void {
  delete metadata['managedFields'];
}

function nonMetadata(object: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([key]) => key !== 'metadata'));
}

export class Registry {
  constructor(
    private readonly store: ObjectStore,
    private readonly reportPatchFailure: PatchFailureReporter = () => undefined,
  ) {}

  get(type: ResourceType, namespace: string, name: string): KubeObject {
    const object = this.store.get(type, namespace, name);
    if (object === undefined) throw notFound(type, name);
    return object;
  }

  create(type: ResourceType, namespace: string, body: JsonObject, options: WriteOptions = {}): KubeObject {
    const metadata = metadataOf(body);
    const name = nameForCreate(type, metadata);
    checkTypeMeta(type, body, name);
    checkNamespace(metadata, namespace);
    const resourceVersion = metadata['resourceVersion'];
    if (resourceVersion !== undefined && resourceVersion !== null && resourceVersion !== '') {
      throw new ApiError(500, 'Unknown', 'resourceVersion should not be set on objects to be created');
    }
    metadata['name'] = name;
    delete metadata['generateName'];
    validateObject(type, name, body);
    if (this.store.get(type, namespace, name) !== undefined) throw alreadyExists(type, name);

    delete body['status']; // the status subresource owns it
    withoutManagedFields(metadata);
    metadata['uid'] = randomUUID();
    metadata['creationTimestamp'] = now();
    metadata['generation'] = 1;
    const object = body as KubeObject;
    if (options.dryRun) return object;
    return this.store.put(type, object, 'ADDED');
  }

  /** PUT: replaces the object; `metadata.resourceVersion` must be the current one. */
  update(type: ResourceType, namespace: string, name: string, body: JsonObject, options: WriteOptions = {}) {
    const metadata = metadataOf(body);
    checkTypeMeta(type, body, name);
    checkNamespace(metadata, namespace);
    checkName(metadata, name);
    const current = this.get(type, namespace, name);
    const resourceVersion = metadata['resourceVersion'];
    if (resourceVersion === undefined || resourceVersion === null || resourceVersion === '') {
      throw invalid(
        type,
        name,
        [
          {
            type: 'FieldValueInvalid',
            field: 'metadata.resourceVersion',
            body: 'Invalid value: 0x0: must be specified for an update',
          },
        ],
        'resource',
      );
    }
    return this.replace(type, current, body, String(resourceVersion), options);
  }

  /** PATCH with a merge patch or a JSON patch, applied to the current object. */
  patch(
    type: ResourceType,
    namespace: string,
    name: string,
    patchType: typeof PatchType.Merge | typeof PatchType.Json,
    patchText: string,
    options: WriteOptions = {},
  ): KubeObject {
    let patchDocument: Json;
    try {
      patchDocument = JSON.parse(patchText) as Json;
    } catch (err) {
      throw badRequest(`error decoding patch: ${(err as Error).message}`);
    }
    const current = this.get(type, namespace, name);
    let patched: Json;
    if (patchType === PatchType.Merge) {
      if (!isJsonObject(patchDocument))
        throw badRequest('error decoding patch: a merge patch must be a JSON object');
      patched = applyMergePatch(current, patchDocument);
    } else {
      try {
        patched = applyJsonPatch(current, parseJsonPatch(patchDocument));
      } catch (err) {
        if (err instanceof JsonPatchFormatError) throw badRequest(err.message);
        if (err instanceof JsonPatchApplyError) {
          this.reportPatchFailure(err.message);
          throw patchNotApplicable();
        }
        throw err;
      }
    }
    if (!isJsonObject(patched)) throw badRequest('the patched object is not a JSON object');
    const metadata = metadataOf(patched);
    checkTypeMeta(type, patched, name);
    checkName(metadata, name);
    checkNamespace(metadata, namespace);
    // A patch that sets a resourceVersion makes it a precondition; otherwise it applies to the current one.
    const resourceVersion = metadata['resourceVersion'];
    const expected =
      typeof resourceVersion === 'string' && resourceVersion !== ''
        ? resourceVersion
        : current.metadata.resourceVersion;
    return this.replace(type, current, patched, expected, options);
  }

  delete(
    type: ResourceType,
    namespace: string,
    name: string,
    preconditions: Preconditions,
    options: WriteOptions = {},
  ) {
    const current = this.get(type, namespace, name);
    checkPreconditions(type, current, preconditions);
    if (options.dryRun) return current;
    const deleted = this.store.remove(type, namespace, name);
    if (deleted === undefined) throw notFound(type, name);
    return deleted;
  }

  private replace(
    type: ResourceType,
    current: KubeObject,
    body: JsonObject,
    expectedResourceVersion: string,
    options: WriteOptions,
  ): KubeObject {
    if (!/^[0-9]+$/.test(expectedResourceVersion)) {
      throw badRequest(
        `invalid resourceVersion ${JSON.stringify(expectedResourceVersion)}: must be a number`,
      );
    }
    if (expectedResourceVersion !== current.metadata.resourceVersion)
      throw conflict(type, current.metadata.name);
    const metadata = metadataOf(body);
    const uid = metadata['uid'];
    if (uid !== undefined && uid !== null && uid !== '' && uid !== current.metadata.uid) {
      throw invalid(type, current.metadata.name, [
        invalidValue('metadata.uid', String(uid), 'field is immutable'),
      ]);
    }
    withoutManagedFields(metadata);
    metadata['uid'] = current.metadata.uid;
    metadata['creationTimestamp'] = current.metadata.creationTimestamp;
    metadata['resourceVersion'] = current.metadata.resourceVersion;
    metadata['generation'] = current.metadata.generation;
    if (current['status'] === undefined) delete body['status'];
    else body['status'] = deepCopy(current['status']);
    validateObject(type, current.metadata.name, body);
    if (!jsonEqual(nonMetadata(body), nonMetadata(current)))
      metadata['generation'] = current.metadata.generation + 1;

    const object = body as KubeObject;
    if (jsonEqual(object, current) || options.dryRun) return object; // nothing changed: not a write
    return this.store.put(type, object, 'MODIFIED');
  }
}

/** `preconditions` of a DeleteOptions body. */
export interface Preconditions {
  readonly uid?: string;
  readonly resourceVersion?: string;
}

function checkPreconditions(type: ResourceType, current: KubeObject, preconditions: Preconditions): void {
  const failed = (detail: string): ApiError =>
    new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(type)} "${current.metadata.name}": ` +
        `Precondition failed: ${detail}`,
      { name: current.metadata.name, group: Group, kind: type.plural },
    );
  if (preconditions.uid !== undefined && preconditions.uid !== current.metadata.uid) {
    throw failed(`UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`);
  }
  if (
    preconditions.resourceVersion !== undefined &&
    preconditions.resourceVersion !== current.metadata.resourceVersion
  ) {
    throw failed(
      `ResourceVersion in precondition: ${preconditions.resourceVersion}, ` +
        `ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
    );
  }
}
