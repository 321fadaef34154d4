import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';

/** Listens on a free port of 127.0.0.1; answers the port, or rejects with the listen error. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
