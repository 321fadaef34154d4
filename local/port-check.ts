import { createServer } from 'node:net';

/** Whether `port` can be listened on (on all interfaces, as the frontend does). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}
