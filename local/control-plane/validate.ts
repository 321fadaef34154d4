/**
 * Checks of a request body against the URL and Kubernetes' object rules, answering with the Status a real
 * API server gives for the same mistake (400 for a body that does not fit the request, 422 for an invalid
 * object).
 */
import { isJsonObject, type JsonObject } from './objects.js';
import { GroupVersion, type ResourceType } from './resources.js';
import { badRequest, invalid, invalidValue, requiredValue, type FieldError } from './status.js';

/** Parses a request body as JSON; a body that is not JSON is a 400 naming the expected kind. */
export function parseBody(type: ResourceType, text: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(
      `the object provided is unrecognized (must be of type ${type.kind}): couldn't get version/kind; ` +
        `json parse error: ${(err as Error).message}`,
    );
  }
  if (!isJsonObject(value)) {
    throw badRequest(
      `the object provided is unrecognized (must be of type ${type.kind}): couldn't get version/kind; ` +
        `json parse error: the body is not a JSON object`,
    );
  }
  return value;
}

function summarize(body: JsonObject): string {
  const text = JSON.stringify(body);
  return text.length > 120 ? `${text.slice(0, 120)} ...` : text;
}

/** `apiVersion` and `kind` must name the resource of the URL. */
export function checkTypeMeta(type: ResourceType, body: JsonObject, name: string): void {
  const { apiVersion, kind } = body;
  if (typeof kind !== 'string' || kind === '') {
    throw badRequest(`Object 'Kind' is missing in '${summarize(body)}'`);
  }
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    throw badRequest(`Object 'apiVersion' is missing in '${summarize(body)}'`);
  }
  if (apiVersion !== GroupVersion) {
    throw badRequest(
      `the API version in the data (${apiVersion}) does not match the expected API version (${GroupVersion})`,
    );
  }
  if (kind !== type.kind) {
    throw invalid(type, name, [invalidValue('kind', kind, `must be ${type.kind}`)]);
  }
}

/** `metadata` as an object (created empty when absent); anything else is a 400. */
export function metadataOf(body: JsonObject): JsonObject {
  const metadata = body['metadata'] ?? {};
  if (!isJsonObject(metadata)) throw badRequest('metadata must be an object');
  body['metadata'] = metadata;
  return metadata;
}

/** The namespace in the body, if any, must be the one of the URL; the URL's is set when absent. */
export function checkNamespace(metadata: JsonObject, namespace: string): void {
  const own = metadata['namespace'];
  if (own !== undefined && own !== null && own !== '' && own !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  metadata['namespace'] = namespace;
}

/** The name in the body must be the one of the URL (update, patch). */
export function checkName(metadata: JsonObject, name: string): void {
  const own = typeof metadata['name'] === 'string' ? metadata['name'] : '';
  if (own !== name) {
    throw badRequest(`the name of the object (${own}) does not match the name on the URL (${name})`);
  }
}

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The field errors of a metadata.name (a lowercase RFC 1123 subdomain, as Kubernetes requires). */
function nameErrors(name: string): FieldError[] {
  const errors: FieldError[] = [];
  if (name.length > 253)
    errors.push(invalidValue('metadata.name', name, 'must be no more than 253 characters'));
  if (!dns1123Subdomain.test(name)) {
    errors.push(
      invalidValue(
        'metadata.name',
        name,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and " +
          "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation " +
          "is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ),
    );
  }
  return errors;
}

const nameSuffixAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** metadata.name, or generateName plus five random characters as Kubernetes does; 422 when neither. */
export function nameForCreate(type: ResourceType, metadata: JsonObject): string {
  const name = metadata['name'];
  const generateName = metadata['generateName'];
  if (typeof name === 'string' && name !== '') return name;
  if (typeof generateName === 'string' && generateName !== '') {
    let suffix = '';
    for (let i = 0; i < 5; i++)
      suffix += nameSuffixAlphabet[Math.floor(Math.random() * nameSuffixAlphabet.length)];
    return `${generateName}${suffix}`;
  }
  throw invalid(type, '', [requiredValue('metadata.name', 'name or generateName is required')]);
}

/** The object's own rules: its name, its labels and annotations as string maps, `spec` an object. */
export function validateObject(type: ResourceType, name: string, body: JsonObject): void {
  const metadata = metadataOf(body);
  const errors = nameErrors(name);
  for (const field of ['labels', 'annotations'] as const) {
    const map = metadata[field];
    if (map === undefined || map === null) continue;
    if (!isJsonObject(map) || Object.values(map).some((v) => typeof v !== 'string')) {
      errors.push(invalidValue(`metadata.${field}`, JSON.stringify(map), 'must be a map of strings'));
    }
  }
  const spec = body['spec'];
  if (spec !== undefined && !isJsonObject(spec)) {
    const typeName = spec === null ? 'null' : Array.isArray(spec) ? 'array' : typeof spec;
    errors.push(invalidValue('spec', typeName, `spec in body must be of type object: "${typeName}"`));
  }
  if (errors.length > 0) throw invalid(type, name, errors);
}
