/**
 * The mesh's admin listener, apart from the proxied port so no path of the service is shadowed (as
 * Envoy's admin and istio-agent's 15020 are):
 *   GET /stats/prometheus   Istio's scrape path; also at /metrics
 *   GET /healthz/ready      200 once a VirtualService routes the service, else 503 with the reason
 *   GET /config             the route table in force, as JSON (objects, weights, endpoints)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { TableDescription } from './route-table.js';

export interface AdminOptions {
  readonly registry: Registry;
  readonly describe: () => { readonly table: TableDescription };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const TEXT = 'text/plain; charset=utf-8';

export function createAdminHandler(
  options: AdminOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, TEXT, 'the admin port answers GET only\n');
      return;
    }
    switch (path) {
      case '/stats/prometheus':
      case '/metrics':
        options.registry.metrics().then(
          (text) => send(res, 200, options.registry.contentType, text),
          (err: unknown) => send(res, 500, TEXT, `cannot collect metrics: ${String(err)}\n`),
        );
        return;
      case '/healthz/ready': {
        const { table } = options.describe();
        if (table.unavailable === undefined) send(res, 200, TEXT, 'ready\n');
        else send(res, 503, TEXT, `${table.unavailable}\n`);
        return;
      }
      case '/config':
        send(res, 200, 'application/json', `${JSON.stringify(options.describe(), null, 2)}\n`);
        return;
      default:
        send(
          res,
          404,
          TEXT,
          'not found; the admin port serves /stats/prometheus, /metrics, /healthz/ready, /config\n',
        );
    }
  };
}
