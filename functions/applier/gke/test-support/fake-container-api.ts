/**
 * Test-only fake of the Container API (container.googleapis.com) at the client boundary: answers
 * `GET /v1/projects/P/locations/L/clusters/N` with a Cluster resource shaped like the real one, checks the
 * bearer token and counts calls; errors come in the API's JSON error shape.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../../../../local/test-support/listen-loopback.js';

export interface FakeContainerApiOptions {
  readonly acceptToken: (token: string) => boolean;
}

/** What the fake answers for one cluster name (`projects/P/locations/L/clusters/N`). */
export type FakeAnswer =
  | { readonly kind: 'cluster'; readonly endpoint: string; readonly caData: string }
  | { readonly kind: 'raw'; readonly status: number; readonly body: string }
  | { readonly kind: 'hang' };

export interface FakeContainerApi {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  set(name: string, answer: FakeAnswer): void;
  /** GET calls for one cluster name. */
  callsFor(name: string): number;
  /** Bearer tokens presented, in order. */
  readonly tokensSeen: readonly string[];
  close(): Promise<void>;
}

/** The real API's error body. */
export function apiError(code: number, status: string, message: string): string {
  return JSON.stringify({ error: { code, message, status } });
}

/** A Cluster resource with the fields the real API returns around the ones the applier reads. */
export function clusterResource(name: string, endpoint: string, caData: string): object {
  const [, project, , location, , cluster] = name.split('/');
  return {
    name: cluster,
    nodeConfig: { machineType: 'e2-standard-4', diskSizeGb: 100 },
    masterAuth: { clusterCaCertificate: caData },
    network: 'default',
    clusterIpv4Cidr: '10.8.0.0/14',
    selfLink: `https://container.googleapis.com/v1/projects/${project}/zones/${location}/clusters/${cluster}`,
    zone: location,
    endpoint,
    initialClusterVersion: '1.33.5-gke.1000000',
    currentMasterVersion: '1.33.5-gke.1000000',
    status: 'RUNNING',
    location,
    privateClusterConfig: { privateEndpoint: '10.128.0.2', publicEndpoint: endpoint },
    controlPlaneEndpointsConfig: {
      dnsEndpointConfig: { endpoint: `gke-0123456789abcdef-${project}.${location}.gke.goog` },
      ipEndpointsConfig: { enabled: true, enablePublicEndpoint: true, publicEndpoint: endpoint },
    },
  };
}

export async function startFakeContainerApi(options: FakeContainerApiOptions): Promise<FakeContainerApi> {
  const answers = new Map<string, FakeAnswer>();
  const calls = new Map<string, number>();
  const tokensSeen: string[] = [];

  const send = (response: ServerResponse, status: number, body: string) =>
    response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(body);

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (token !== undefined) tokensSeen.push(token);
    if (token === undefined || !options.acceptToken(token)) {
      send(
        response,
        401,
        apiError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'),
      );
      return;
    }
    const name = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/clusters\/[^/?]+)$/.exec(request.url ?? '')?.[1];
    if (request.method !== 'GET' || name === undefined) {
      send(response, 404, apiError(404, 'NOT_FOUND', 'Requested entity was not found.'));
      return;
    }
    calls.set(name, (calls.get(name) ?? 0) + 1);
    const answer = answers.get(name);
    if (answer === undefined) send(response, 404, apiError(404, 'NOT_FOUND', `Not found: ${name}.`));
    else if (answer.kind === 'cluster')
      send(response, 200, JSON.stringify(clusterResource(name, answer.endpoint, answer.caData)));
    else if (answer.kind === 'raw') send(response, answer.status, answer.body);
    // 'hang': never answer; close() ends the connection.
  };

  const server = createServer(handle);
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    set: (name, answer) => answers.set(name, answer),
    callsFor: (name) => calls.get(name) ?? 0,
    tokensSeen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
