/**
 * The proxy's request handler: decides with the current route table, then either answers locally (no
 * route, no subset, no endpoint) or forwards to the chosen endpoint — method, path, query, headers without
 * the hop-by-hop ones, body streamed both ways — and hands the upstream's status, headers and body back
 * unchanged. Every request is counted once, when its response is over, in Istio's metrics.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Dispatcher } from 'undici';
import type { Logger } from '../../core/logger.js';
import type { Random } from './balancer.js';
import type { MeshMetrics } from './istio-metrics.js';
import {
  ResponseFlag,
  upstreamConnectionFailure,
  upstreamConnectionTermination,
  upstreamProtocolError,
  upstreamRequestTimeout,
  type LocalReply,
} from './local-replies.js';
import { decide, type RouteTable } from './route-table.js';
import type { UpstreamPools } from './upstream-pools.js';

export interface ForwardOptions {
  /** The table in force; read once per request. */
  readonly table: () => RouteTable;
  readonly pools: UpstreamPools;
  readonly metrics: MeshMetrics;
  readonly random: Random;
  readonly logger: Logger;
}

/** Headers that belong to one connection (RFC 9110 §7.6.1) and are never forwarded; `expect` is answered here. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
  'expect',
]);

/** The header names a `Connection` header lists (lower case): hop-by-hop for this message too. */
function connectionTokens(connection: string | undefined): ReadonlySet<string> | undefined {
  return connection ? new Set(connection.split(',').map((t) => t.trim().toLowerCase())) : undefined;
}

/** The request's headers as a flat [name, value, …] list, without hop-by-hop ones (nor those `Connection` names). */
function forwardableRequestHeaders(rawHeaders: readonly string[], connection: string | undefined): string[] {
  const named = connectionTokens(connection);
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower)) continue;
    out.push(name, rawHeaders[i + 1] as string);
  }
  return out;
}

/** The upstream's response headers without hop-by-hop ones. */
function forwardableResponseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = connectionTokens(headers['connection']);
  const out: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || named?.has(name)) continue;
    out[name] = headers[name];
  }
  return out;
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | undefined;
  return String(e?.code ?? e?.cause?.code ?? e?.name ?? 'unknown');
}

const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The local reply for an upstream request that failed before its response headers. */
function replyForUpstreamError(origin: string, err: unknown): LocalReply {
  const code = errorCode(err);
  if (CONNECT_FAILURES.has(code)) return upstreamConnectionFailure(origin, code);
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return upstreamRequestTimeout(origin);
  return upstreamConnectionTermination(origin, code);
}

function sendLocal(res: ServerResponse, reply: LocalReply): void {
  const body = `${reply.body}\n`;
  res.writeHead(reply.status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function createForwarder(
  options: ForwardOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { pools, metrics, random, logger } = options;
  return (req, res) => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const decision = decide(
      options.table(),
      { method, url, authority: req.headers.host ?? '', headers: req.headers },
      random,
    );
    const endpoint = decision.kind === 'forward' ? decision.endpoint : undefined;
    let flag: string = decision.kind === 'reply' ? decision.reply.flag : ResponseFlag.None;
    res.once('close', () => {
      if (endpoint) endpoint.inFlight--;
      // A response not completed because the caller left: Envoy's DC, code 0 if nothing was sent.
      if (!res.writableFinished && flag === ResponseFlag.None) {
        flag = ResponseFlag.DownstreamConnectionTermination;
      }
      metrics.record(endpoint, res.headersSent ? res.statusCode : 0, flag, performance.now() - started);
    });
    if (endpoint === undefined) {
      if (decision.kind === 'reply') sendLocal(res, decision.reply);
      return;
    }
    const target = endpoint;
    target.inFlight++;
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const body = hasBody(req) ? req : null;
    const failed = (err: unknown): void => {
      if (abort.signal.aborted || res.destroyed) return; // the caller left first: counted as DC
      const reply = replyForUpstreamError(target.origin, err);
      flag = reply.flag;
      logger.debug({ err, origin: target.origin, flag }, 'upstream request failed');
      if (res.headersSent) res.destroy();
      else sendLocal(res, reply);
    };
    const respond = async (upstream: Dispatcher.ResponseData): Promise<void> => {
      if (res.destroyed) {
        upstream.body.destroy();
        return;
      }
      try {
        res.writeHead(upstream.statusCode, forwardableResponseHeaders(upstream.headers));
      } catch (err) {
        // A response Node will not pass on (e.g. an invalid header): Envoy's 502 UPE.
        upstream.body.destroy();
        flag = ResponseFlag.UpstreamProtocolError;
        logger.warn({ err, origin: target.origin }, 'upstream response cannot be passed on');
        sendLocal(res, upstreamProtocolError(target.origin, (err as Error).message));
        return;
      }
      try {
        await pipeline(upstream.body, res);
      } catch (err) {
        if (!res.writableFinished && !abort.signal.aborted) {
          // The upstream broke off its body: the caller gets a truncated response, as through Envoy.
          flag = ResponseFlag.UpstreamConnectionTermination;
          logger.debug({ err, origin: target.origin }, 'upstream response body failed');
          res.destroy();
        }
      }
    };
    try {
      pools
        .get(target.origin)
        .request({
          method,
          path: url,
          headers: forwardableRequestHeaders(req.rawHeaders, req.headers.connection),
          body,
          signal: abort.signal,
        })
        .then(respond, failed)
        .catch(failed);
    } catch (err) {
      failed(err);
    }
  };
}
