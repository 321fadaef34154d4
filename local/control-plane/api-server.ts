/**
 * The HTTP side of the control plane: routes Kubernetes API paths for `networking.istio.io/v1` to the
 * discovery documents, the registry (get, list, create, update, patch, delete) and watches, and answers
 * every failure with a Kubernetes Status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../core/logger.js';
import { apiGroupDocument, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import {
  bodyAsJsonText,
  mediaTypeOf,
  negotiate,
  parseDeleteOptions,
  readBody,
  sendError,
  sendJson,
  TableMediaType,
} from './http-io.js';
import { openApiV3 } from './openapi.js';
import { labelsOf, type KubeObject } from './objects.js';
import { PatchType, type Registry, type WriteOptions } from './registry.js';
import { Group, GroupVersion, Version, resourceByPlural, type ResourceType } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import {
  ApiError,
  badRequest,
  deletedStatus,
  internalError,
  methodNotAllowed,
  pathNotFound,
  serverSideApplyUnsupported,
  unsupportedMediaType,
} from './status.js';
import type { ObjectStore } from './store.js';
import { tableOptionsFrom, toTable } from './table.js';
import { serveWatch, type ActiveWatch } from './watch.js';
import { parseBody } from './validate.js';

export interface ApiServerContext {
  readonly store: ObjectStore;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly bookmarkIntervalMs: number;
  /** host:port, for `/api`'s serverAddressByClientCIDRs. */
  readonly serverAddress: () => string;
}

interface Target {
  readonly type: ResourceType;
  /** Undefined: the all-namespaces collection. */
  readonly namespace: string | undefined;
  /** Undefined: a collection. */
  readonly name: string | undefined;
}

const PatchTypesAccepted = [PatchType.Json, PatchType.Merge] as const;

export function createApiHandler(context: ApiServerContext) {
  const { store, registry, logger } = context;
  const watches = new Set<ActiveWatch>();

  /** The discovery document at `path` (without its leading slash), if it is one. */
  function discovery(path: string): unknown {
    if (path === 'version') return versionInfo();
    if (path === 'api') return apiVersions(context.serverAddress());
    if (path === 'apis') return apiGroupList();
    if (path === `apis/${Group}`) return apiGroupDocument();
    if (path === `apis/${Group}/${Version}`) return apiResourceList();
    return undefined;
  }

  function targetOf(segments: readonly string[]): Target | undefined {
    if (segments[0] !== 'apis' || segments[1] !== Group || segments[2] !== Version) return undefined;
    const rest = segments.slice(3);
    if (rest.length === 1) {
      const type = resourceByPlural(rest[0] ?? '');
      return type && { type, namespace: undefined, name: undefined };
    }
    if (rest[0] !== 'namespaces' || rest.length < 3 || rest.length > 4) return undefined;
    const type = resourceByPlural(rest[2] ?? '');
    return type && { type, namespace: rest[1], name: rest[3] };
  }

  function writeOptions(query: URLSearchParams): WriteOptions {
    const dryRun = query.getAll('dryRun');
    if (dryRun.some((value) => value !== 'All')) {
      throw badRequest(`Invalid dryRun value: ${JSON.stringify(dryRun)}; the only supported value is "All"`);
    }
    return { dryRun: dryRun.length > 0 };
  }

  function matching(target: Target, query: URLSearchParams): KubeObject[] {
    const labels = parseLabelSelector(query.get('labelSelector'));
    const fields = parseFieldSelector(query.get('fieldSelector'));
    return store
      .list(target.type, target.namespace)
      .filter(
        (object) =>
          labels(labelsOf(object)) &&
          fields({ 'metadata.name': object.metadata.name, 'metadata.namespace': object.metadata.namespace }),
      );
  }

  /** An object or list, as JSON or as the Table kubectl asks for. */
  function answer(
    request: IncomingMessage,
    response: ServerResponse,
    query: URLSearchParams,
    target: Target,
    code: number,
    result: KubeObject | KubeObject[],
  ): void {
    if (negotiate(request.headers.accept) === 'table') {
      const objects = Array.isArray(result) ? result : [result];
      const resourceVersion = Array.isArray(result)
        ? String(store.resourceVersion)
        : result.metadata.resourceVersion;
      sendJson(
        response,
        code,
        toTable(target.type, objects, resourceVersion, tableOptionsFrom(query)),
        TableMediaType,
      );
      return;
    }
    if (!Array.isArray(result)) return sendJson(response, code, result);
    sendJson(response, code, {
      apiVersion: GroupVersion,
      kind: target.type.listKind,
      metadata: { resourceVersion: String(store.resourceVersion) },
      items: result,
    });
  }

  function watch(request: IncomingMessage, response: ServerResponse, query: URLSearchParams, target: Target) {
    const representation = negotiate(request.headers.accept);
    const resourceVersion = query.get('resourceVersion') ?? '';
    if (resourceVersion !== '' && !/^[0-9]+$/.test(resourceVersion)) {
      throw badRequest(
        `resourceVersion: Invalid value: ${JSON.stringify(resourceVersion)}: must be a number`,
      );
    }
    const timeout = query.get('timeoutSeconds');
    if (timeout !== null && !/^[0-9]+$/.test(timeout)) {
      throw badRequest(`timeoutSeconds: Invalid value: ${JSON.stringify(timeout)}: must be a whole number`);
    }
    const flag = (name: string): boolean => ['true', '1'].includes(query.get(name) ?? '');
    const active = serveWatch(
      store,
      {
        type: target.type,
        namespace: target.namespace,
        labels: parseLabelSelector(query.get('labelSelector')),
        fields: parseFieldSelector(query.get('fieldSelector')),
        resourceVersion,
        sendInitialEvents: flag('sendInitialEvents'),
        allowBookmarks: flag('allowWatchBookmarks'),
        timeoutMs: timeout === null || timeout === '0' ? undefined : Number(timeout) * 1000,
        table: representation === 'table' ? tableOptionsFrom(query) : undefined,
        bookmarkIntervalMs: context.bookmarkIntervalMs,
      },
      response,
    );
    watches.add(active);
    response.on('close', () => watches.delete(active));
  }

  async function collection(
    request: IncomingMessage,
    response: ServerResponse,
    query: URLSearchParams,
    target: Target,
  ) {
    const method = request.method ?? 'GET';
    if (method === 'GET') {
      if (['true', '1'].includes(query.get('watch') ?? '')) return watch(request, response, query, target);
      return answer(request, response, query, target, 200, matching(target, query));
    }
    if (target.namespace === undefined) throw methodNotAllowed();
    if (method === 'POST') {
      const text = bodyAsJsonText(request.headers['content-type'], await readBody(request));
      const created = registry.create(
        target.type,
        target.namespace,
        parseBody(target.type, text),
        writeOptions(query),
      );
      logger.info({ verb: 'create', resource: target.type.plural, name: created.metadata.name }, 'created');
      return answer(request, response, query, target, 201, created);
    }
    if (method === 'DELETE') {
      parseDeleteOptions(await readBody(request));
      const options = writeOptions(query);
      const deleted = matching(target, query).map((object) =>
        registry.delete(target.type, object.metadata.namespace, object.metadata.name, {}, options),
      );
      return answer(request, response, query, target, 200, deleted);
    }
    throw methodNotAllowed();
  }

  async function object(
    request: IncomingMessage,
    response: ServerResponse,
    query: URLSearchParams,
    target: Target,
  ) {
    const { type } = target;
    const namespace = target.namespace ?? '';
    const name = target.name ?? '';
    const method = request.method ?? 'GET';
    const log = (verb: string, result: KubeObject) =>
      logger.info(
        { verb, resource: type.plural, namespace, name, resourceVersion: result.metadata.resourceVersion },
        verb,
      );
    switch (method) {
      case 'GET':
        return answer(request, response, query, target, 200, registry.get(type, namespace, name));
      case 'PUT': {
        const text = bodyAsJsonText(request.headers['content-type'], await readBody(request));
        const updated = registry.update(type, namespace, name, parseBody(type, text), writeOptions(query));
        log('update', updated);
        return answer(request, response, query, target, 200, updated);
      }
      case 'PATCH': {
        const patchType = mediaTypeOf(request.headers['content-type']);
        const body = await readBody(request);
        if (patchType === PatchType.Apply) throw serverSideApplyUnsupported(PatchTypesAccepted);
        if (patchType !== PatchType.Json && patchType !== PatchType.Merge)
          throw unsupportedMediaType(PatchTypesAccepted);
        const patched = registry.patch(type, namespace, name, patchType, body, writeOptions(query));
        log('patch', patched);
        return answer(request, response, query, target, 200, patched);
      }
      case 'DELETE': {
        const options = parseDeleteOptions(await readBody(request));
        const dryRun = options.dryRun || writeOptions(query).dryRun === true;
        const deleted = registry.delete(type, namespace, name, options.preconditions, { dryRun });
        log('delete', deleted);
        return sendJson(response, 200, deletedStatus(type, name, deleted.metadata.uid));
      }
      default:
        throw methodNotAllowed();
    }
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://control-plane');
    const segments = url.pathname.split('/').filter((segment) => segment !== '');
    const path = segments.join('/');
    if (['healthz', 'livez', 'readyz'].includes(path)) {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end('ok');
      return;
    }
    const openApi = openApiV3(path);
    if (openApi !== undefined && (request.method === 'GET' || request.method === 'HEAD')) {
      response.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(openApi),
      });
      response.end(openApi);
      return;
    }
    const document = discovery(path);
    if (document !== undefined) {
      if (request.method !== 'GET' && request.method !== 'HEAD') throw methodNotAllowed();
      return sendJson(response, 200, document);
    }
    const target = targetOf(segments);
    if (target === undefined) throw pathNotFound();
    if (target.name === undefined) return collection(request, response, url.searchParams, target);
    return object(request, response, url.searchParams, target);
  }

  return {
    handle(request: IncomingMessage, response: ServerResponse): void {
      route(request, response).catch((err: unknown) => {
        const error = err instanceof ApiError ? err : internalError((err as Error).message ?? String(err));
        const where = { method: request.method, url: request.url };
        if (!(err instanceof ApiError)) logger.error({ ...where, err }, 'request failed');
        else logger.debug({ ...where, status: error.status }, 'request refused');
        if (response.headersSent) response.destroy();
        else sendError(response, error);
      });
    },
    /** Ends every open watch (before the server closes). */
    stopWatches(): void {
      for (const active of watches) active.stop();
      watches.clear();
    },
  };
}
