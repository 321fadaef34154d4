/** An HTTP server that answers only after 5 s: a metrics source slower than its timeout. */
import { createServer } from 'node:http';
import { listenOnLoopback } from '../../../local/test-support/listen-loopback.js';

export interface SlowServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly url: string;
  close(): void;
}

/** Starts the server on loopback; `onRequest` is called as each request arrives. */
export async function startSlowServer(onRequest: () => void = () => undefined): Promise<SlowServer> {
  const server = createServer((_req, res) => {
    onRequest();
    setTimeout(() => res.writeHead(200).end('{}'), 5000).unref();
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
