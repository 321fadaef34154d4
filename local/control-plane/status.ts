/**
 * Kubernetes `Status` objects: every error the control plane answers, with the reasons, codes and messages a
 * real API server uses (k8s.io/apimachinery/pkg/api/errors), so clients branch on them the same way.
 */
import { Group, qualifiedKind, qualifiedResource, type ResourceType } from './resources.js';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An error answered as a Status with its HTTP code. */
export class ApiError extends Error {
  readonly status: KubeStatus;
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details === undefined ? {} : { details }),
      code,
    };
  }
  get code(): number {
    return this.status.code;
  }
}

const resourceDetails = (type: ResourceType, name: string): StatusDetails => ({
  name,
  group: Group,
  kind: type.plural, // Kubernetes puts the resource (plural) here, not the kind.
});

export const notFound = (type: ResourceType, name: string): ApiError =>
  new ApiError(
    404,
    'NotFound',
    `${qualifiedResource(type)} "${name}" not found`,
    resourceDetails(type, name),
  );

/** What a server answers for a path it does not serve at all. */
export const pathNotFound = (): ApiError =>
  new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});

export const alreadyExists = (type: ResourceType, name: string): ApiError =>
  new ApiError(
    409,
    'AlreadyExists',
    `${qualifiedResource(type)} "${name}" already exists`,
    resourceDetails(type, name),
  );

const OptimisticLockErrorMsg =
  'the object has been modified; please apply your changes to the latest version and try again';

export const conflict = (type: ResourceType, name: string): ApiError =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": ${OptimisticLockErrorMsg}`,
    resourceDetails(type, name),
  );

export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);

/** One field error of a 422 Invalid, as k8s.io/apimachinery/pkg/util/validation/field renders it. */
export interface FieldError {
  readonly type: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden';
  readonly field: string;
  /** Already rendered as Kubernetes does: `Invalid value: "x": detail`, `Required value: detail`. */
  readonly body: string;
}

export function invalidValue(field: string, value: string | number, detail: string): FieldError {
  const rendered = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return { type: 'FieldValueInvalid', field, body: `Invalid value: ${rendered}: ${detail}` };
}

export function requiredValue(field: string, detail: string): FieldError {
  return { type: 'FieldValueRequired', field, body: `Required value: ${detail}` };
}

/**
 * 422 Invalid. `kindName` is how the message names the kind: `VirtualService.networking.istio.io` for
 * validation, `virtualservices.networking.istio.io` where Kubernetes itself uses the resource.
 */
export function invalid(
  type: ResourceType,
  name: string,
  errors: readonly FieldError[],
  kindName: 'kind' | 'resource' = 'kind',
): ApiError {
  const qualified = kindName === 'kind' ? qualifiedKind(type) : qualifiedResource(type);
  const aggregated = errors.map((e) => `${e.field}: ${e.body}`);
  const list = aggregated.length === 1 ? aggregated[0] : `[${aggregated.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${qualified} "${name}" is invalid: ${list}`, {
    name,
    group: Group,
    kind: kindName === 'kind' ? type.kind : type.plural,
    causes: errors.map((e) => ({ reason: e.type, message: e.body, field: e.field })),
  });
}

/**
 * What a real server answers when a JSON patch cannot be applied (e.g. a failed `test`): 422 with a generic
 * message; the server keeps the patch library's reason to itself (it is logged here).
 */
export const patchNotApplicable = (): ApiError =>
  new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});

export const unsupportedMediaType = (accepted: readonly string[]): ApiError =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );

/** Server-side apply needs field management, which this stand-in does not keep. */
export const serverSideApplyUnsupported = (accepted: readonly string[]): ApiError =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    'server-side apply (application/apply-patch+yaml) is not supported by this local control plane - ' +
      `accepted media types include: ${accepted.join(', ')}`,
  );

export const methodNotAllowed = (): ApiError =>
  new ApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );

export const notAcceptable = (message: string): ApiError => new ApiError(406, 'NotAcceptable', message);

export const requestEntityTooLarge = (limit: number): ApiError =>
  new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);

/** A watch from a resourceVersion older than the kept history (the client must list again). */
export const resourceExpired = (message: string): ApiError => new ApiError(410, 'Expired', message);

export const internalError = (message: string): ApiError =>
  new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });

/** The Status a delete answers for a custom resource (the store does not return the deleted object). */
export function deletedStatus(type: ResourceType, name: string, uid: string): Omit<KubeStatus, 'code'> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, group: Group, kind: type.plural, uid },
  };
}
