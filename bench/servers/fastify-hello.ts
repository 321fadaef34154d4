/**
 * A bare fastify hello-world for `npm run bench:worker`: `POST /` parses the JSON body (fastify's default
 * parser) and answers `{"hash":"x"}`. No logger, schema, hooks or Redis: the framework's ceiling on this
 * machine, against which the worker's throughput is compared.
 */
import Fastify from 'fastify';

const app = Fastify();
app.post('/', async () => ({ hash: 'x' }));

await app.listen({ port: Number(process.env['PORT'] ?? 8090), host: process.env['HOST'] ?? '127.0.0.1' });
