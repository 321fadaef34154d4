import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface Drain {
  /** From now on readiness fails and every answer closes its connection (so keep-alive clients move on). */
  markDraining(): void;
  /** The `GET /_healthz` handler: 200 while Redis is `ready` and not draining, else 503 with the reason. */
  readiness(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
}

/** Shutdown state shared by readiness and the connection handling of a service. */
export function installDrain(app: FastifyInstance, redisStatus: () => string): Drain {
  let draining = false;
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  return {
    markDraining: () => void (draining = true),
    readiness: async (_request, reply) => {
      const redis = redisStatus();
      const ready = !draining && redis === 'ready';
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', redis, draining });
    },
  };
}
