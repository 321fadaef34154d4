/**
 * Answers the mesh gives itself instead of an upstream's, as Envoy does: a status, one of Envoy's response
 * flags (`%RESPONSE_FLAGS%`, also the `response_flags` metric label) and a plain-text body. Envoy's own
 * body text is kept where Envoy has one, with Spillway's reason after it.
 */

export const ResponseFlag = {
  /** No flag: the upstream answered. */
  None: '-',
  /** No healthy upstream host in the chosen cluster (subset): 503. */
  NoHealthyUpstream: 'UH',
  /** Upstream connection failure: 503. */
  UpstreamConnectionFailure: 'UF',
  /** Upstream connection terminated before the response headers: 503. */
  UpstreamConnectionTermination: 'UC',
  /** Upstream request timeout: 504. */
  UpstreamRequestTimeout: 'UT',
  /** No route matches the request: 404. */
  NoRoute: 'NR',
  /** The route's cluster (subset) does not exist: 503. */
  NoClusterFound: 'NC',
  /** The upstream's response could not be passed on: 502. */
  UpstreamProtocolError: 'UPE',
  /** The caller went away before the response was complete. */
  DownstreamConnectionTermination: 'DC',
} as const;
export type ResponseFlag = (typeof ResponseFlag)[keyof typeof ResponseFlag];

export interface LocalReply {
  readonly status: number;
  readonly flag: ResponseFlag;
  /** Plain text, one line (a newline is added when sent). */
  readonly body: string;
}

const reply = (status: number, flag: ResponseFlag, body: string): LocalReply =>
  Object.freeze({ status, flag, body });

export const noClusterFound = (reason: string): LocalReply =>
  reply(503, ResponseFlag.NoClusterFound, `spillway mesh: ${reason}`);

export const noHealthyUpstream = (reason: string): LocalReply =>
  reply(503, ResponseFlag.NoHealthyUpstream, `no healthy upstream: ${reason}`);

export const noRoute = (reason: string): LocalReply =>
  reply(404, ResponseFlag.NoRoute, `spillway mesh: ${reason}`);

export const upstreamConnectionFailure = (origin: string, cause: string): LocalReply =>
  reply(
    503,
    ResponseFlag.UpstreamConnectionFailure,
    `upstream connect error or disconnect/reset before headers. reset reason: connection failure ` +
      `(${origin}: ${cause})`,
  );

export const upstreamConnectionTermination = (origin: string, cause: string): LocalReply =>
  reply(
    503,
    ResponseFlag.UpstreamConnectionTermination,
    `upstream connect error or disconnect/reset before headers. reset reason: connection termination ` +
      `(${origin}: ${cause})`,
  );

export const upstreamRequestTimeout = (origin: string): LocalReply =>
  reply(504, ResponseFlag.UpstreamRequestTimeout, `upstream request timeout (${origin})`);

export const upstreamProtocolError = (origin: string, cause: string): LocalReply =>
  reply(502, ResponseFlag.UpstreamProtocolError, `upstream protocol error (${origin}: ${cause})`);
