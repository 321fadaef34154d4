/**
 * Test-only stand-in for a GKE control plane's front door: HTTPS on 127.0.0.1 with the self-signed
 * certificate of this folder (see README.md), bearer-token authentication like kube-apiserver (401 Status
 * otherwise), and everything else forwarded over plain HTTP to the local control plane, streamed (watches
 * work).
 */
import { readFileSync } from 'node:fs';
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer } from 'node:https';
import { listenOnLoopback } from '../../../../local/test-support/listen-loopback.js';

const here = new URL('.', import.meta.url);
/** The front's certificate (PEM); it is its own CA. */
export const frontCertPem = readFileSync(new URL('front-cert.pem', here), 'utf8');
const frontKeyPem = readFileSync(new URL('front-key.pem', here), 'utf8');
/** Another self-signed certificate for 127.0.0.1: a CA that did NOT sign the front's certificate. */
export const otherCertPem = readFileSync(new URL('other-cert.pem', here), 'utf8');

export interface TlsFrontOptions {
  /** http://127.0.0.1:PORT of the control plane. */
  readonly upstream: string;
  /** Whether a bearer token is valid. */
  readonly acceptToken: (token: string) => boolean;
}

export interface TlsFront {
  /** `127.0.0.1:PORT`, what the Container API calls the endpoint. */
  readonly endpoint: string;
  /** Every bearer token presented, in order (accepted or not). */
  readonly tokensSeen: readonly string[];
  /** Requests refused with 401. */
  readonly refused: number;
  close(): Promise<void>;
}

/** The Status body kube-apiserver answers a request without valid credentials with. */
export const UNAUTHORIZED_STATUS = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
} as const;
const unauthorized = JSON.stringify(UNAUTHORIZED_STATUS);

/** Connection-level headers stay on their own hop. */
function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  delete copy.connection;
  delete copy['keep-alive'];
  return copy;
}

export async function startTlsFront(options: TlsFrontOptions): Promise<TlsFront> {
  const upstream = new URL(options.upstream);
  const tokensSeen: string[] = [];
  let refused = 0;

  const handle = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const match = /^Bearer (\S+)$/.exec(incoming.headers.authorization ?? '');
    if (match?.[1] !== undefined) tokensSeen.push(match[1]);
    if (match?.[1] === undefined || !options.acceptToken(match[1])) {
      refused += 1;
      outgoing.writeHead(401, { 'content-type': 'application/json' }).end(unauthorized);
      return;
    }
    const headers = withoutHopByHop({ ...incoming.headers, host: upstream.host });
    delete headers.authorization;
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers,
        agent: false,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
        outgoing.flushHeaders();
        answer.pipe(outgoing);
      },
    );
    forward.on('error', (err) => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`upstream error: ${err.message}`);
    });
    // The client went away (e.g. it ended a watch): end the upstream request too.
    outgoing.on('close', () => {
      if (!outgoing.writableFinished) forward.destroy();
    });
    incoming.pipe(forward);
  };

  const server = createServer({ cert: frontCertPem, key: frontKeyPem }, handle);
  const port = await listenOnLoopback(server);
  return {
    endpoint: `127.0.0.1:${port}`,
    tokensSeen,
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
