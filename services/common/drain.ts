import type { FastifyInstance } from 'fastify';

export interface Drain {
  isDraining(): boolean;
  /** From now on readiness fails and every answer closes its connection (so keep-alive clients move on). */
  markDraining(): void;
}

/** Shutdown state shared by readiness and the connection handling of a service. */
export function installDrain(app: FastifyInstance): Drain {
  let draining = false;
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  return { isDraining: () => draining, markDraining: () => void (draining = true) };
}
