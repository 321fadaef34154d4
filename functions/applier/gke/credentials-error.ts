/**
 * Why the applier could not build credentials for one GKE cluster. `transient` tells the caller whether
 * trying again later may help (network, timeout, 429, 5xx: redeliver the message) or not (400, 403, 404,
 * a malformed answer: acknowledge it and log the message).
 */
export class GkeCredentialsError extends Error {
  /** `projects/P/locations/L/clusters/N` */
  readonly cluster: string;
  readonly transient: boolean;
  /** The Container API's HTTP status, when it answered. */
  readonly status: number | undefined;

  constructor(
    cluster: string,
    message: string,
    options: { transient: boolean; status?: number; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GkeCredentialsError';
    this.cluster = cluster;
    this.transient = options.transient;
    this.status = options.status;
  }
}
