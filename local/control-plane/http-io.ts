/** Request and response plumbing of the API server: body reading, content negotiation, JSON answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { isJsonObject } from './objects.js';
import {
  type ApiError,
  badRequest,
  notAcceptable,
  requestEntityTooLarge,
  unsupportedMediaType,
} from './status.js';

/** Kubernetes' default limit for a request body. */
const MaxBodyBytes = 3 * 1024 * 1024;

export const TableMediaType = 'application/json;as=Table;v=v1;g=meta.k8s.io';

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MaxBodyBytes) chunks.push(chunk); // beyond the limit: read on, keep nothing, answer 413
    });
    request.on('end', () => {
      if (size > MaxBodyBytes) reject(requestEntityTooLarge(MaxBodyBytes));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

/** The media type of a Content-Type header, without parameters (`; charset=utf-8`). */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * A create/update body as JSON text. JSON and YAML are accepted, as a real server does; YAML is converted.
 * Returns the JSON text so the caller's parse errors read the same for both.
 */
export function bodyAsJsonText(contentType: string | undefined, body: string): string {
  const type = mediaTypeOf(contentType);
  if (type === '' || type === 'application/json' || type === '*/*') return body;
  if (type === 'application/yaml') {
    try {
      return JSON.stringify(parseYaml(body) ?? null);
    } catch (err) {
      throw badRequest(`error converting YAML to JSON: ${(err as Error).message}`);
    }
  }
  throw unsupportedMediaType(['application/json', 'application/yaml']);
}

export type Representation = 'object' | 'table';

/**
 * What the client accepts, in its order of preference: a meta.k8s.io Table (kubectl get) or the object as
 * JSON. Other conversions (PartialObjectMetadata, aggregated discovery) are not offered, so a client that
 * lists plain JSON as a fallback gets that, as it would from an older server.
 */
export function negotiate(accept: string | undefined): Representation {
  if (accept === undefined || accept.trim() === '') return 'object';
  for (const entry of accept.split(',')) {
    const [type = '', ...params] = entry.split(';').map((part) => part.trim());
    const options = new Map(
      params.map((param) => {
        const [key = '', value = ''] = param.split('=');
        return [key.trim(), value.trim()] as const;
      }),
    );
    if (type !== 'application/json' && type !== '*/*' && type !== 'application/*') continue;
    const as = options.get('as');
    if (as === undefined) return 'object';
    const version = options.get('v');
    if (as === 'Table' && options.get('g') === 'meta.k8s.io' && (version === 'v1' || version === 'v1beta1')) {
      return 'table';
    }
  }
  throw notAcceptable(`only the following media types are accepted: application/json, ${TableMediaType}`);
}

export function sendJson(
  response: ServerResponse,
  code: number,
  body: unknown,
  contentType = 'application/json',
) {
  const text = JSON.stringify(body);
  response.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  response.end(text);
}

export function sendError(response: ServerResponse, error: ApiError): void {
  sendJson(response, error.code, error.status);
}

export interface DeleteOptions {
  readonly preconditions: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun: boolean;
}

/** A DeleteOptions body (kubectl sends one): its preconditions and dryRun; empty is fine. */
export function parseDeleteOptions(body: string): DeleteOptions {
  if (body.trim() === '') return { preconditions: {}, dryRun: false };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    throw badRequest(`error decoding DeleteOptions: ${(err as Error).message}`);
  }
  if (!isJsonObject(value)) throw badRequest('error decoding DeleteOptions: not a JSON object');
  const given = isJsonObject(value['preconditions']) ? value['preconditions'] : {};
  const { uid, resourceVersion } = given;
  return {
    preconditions: {
      ...(typeof uid === 'string' ? { uid } : {}),
      ...(typeof resourceVersion === 'string' ? { resourceVersion } : {}),
    },
    dryRun: Array.isArray(value['dryRun']) && value['dryRun'].includes('All'),
  };
}
