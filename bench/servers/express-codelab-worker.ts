/**
 * BASELINE ONLY — not deployed, not a pattern to copy. A re-creation of the codelab's original Express
 * worker, kept as naive as the original on purpose (that is what `npm run bench:worker` measures the
 * Spillway worker against): default `express.json()`, a default ioredis client, no schema, no metrics, no
 * error body, no graceful shutdown. It computes the same hash as services/worker/hash.ts (SHA-256 base64
 * of str + hex of str.length random bytes + the local hour) and publishes it on the same channel.
 */
import { createHash, randomBytes } from 'node:crypto';
import express from 'express';
import { Redis } from 'ioredis';

const port = Number(process.env['PORT'] ?? 8091);
const host = process.env['HOST'] ?? '127.0.0.1';
const prefix = process.env['PREFIX'] ?? '';
const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');

const app = express();
app.use(express.json());

app.post('/', async (req, res) => {
  // The original read `req.body.str` unchecked; TypeScript needs the narrowing, nothing more is added.
  const body: unknown = req.body;
  const str = typeof body === 'object' && body !== null && 'str' in body ? String(body.str) : '';
  const hash = createHash('sha256')
    .update(str + randomBytes(str.length).toString('hex') + new Date().getHours())
    .digest('base64');
  await redis.publish('calculation', prefix + hash);
  res.send({ hash });
});

app.listen(port, host);
