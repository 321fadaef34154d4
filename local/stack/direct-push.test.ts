import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { decodeDecision } from '../../core/decision/codec.js';
import { listenOnLoopback } from '../test-support/listen-loopback.js';
import { directPushPublisher } from './direct-push.js';

/** A push endpoint that answers the statuses in `script` in turn (then 204), and keeps what it got. */
function pushEndpoint(): { server: Server; bodies: unknown[]; script: number[] } {
  const bodies: unknown[] = [];
  const script: number[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      const status = script.shift() ?? 204;
      res.writeHead(status).end(status >= 400 ? 'will be retried' : '');
    });
  });
  return { server, bodies, script };
}

const noPause = { backoffMs: [1, 1, 1] };
const subscription = 'projects/spillway-local/subscriptions/spillway-applier';
let endpoint: ReturnType<typeof pushEndpoint>;
let url: string;

before(async () => {
  endpoint = pushEndpoint();
  url = `http://127.0.0.1:${String(await listenOnLoopback(endpoint.server))}/projects/spillway-local/topics/spillway-decisions`;
});
after(() => endpoint.server.close());

describe('direct push (no emulator)', () => {
  test("the decider's publisher: decisions encoded as on Pub/Sub, delivered one at a time in order", async () => {
    endpoint.bodies.length = 0;
    endpoint.script.push(500);
    const publisher = directPushPublisher({ endpoint: url, subscription }, noPause);
    const decision = (n: number) => ({
      version: 1 as const,
      id: `d-${String(n)}`,
      kind: 'auto' as const,
      issuedAt: `2026-11-26T10:00:0${String(n)}.000Z`,
      target: { namespace: 'default', virtualService: 'worker-virtual-service' },
      weights: { primary: n % 2 === 0 ? 100 : 0, burst: n % 2 === 0 ? 0 : 100 },
      reason: `decision ${String(n)}`,
    });
    await Promise.all([1, 2, 3].map((n) => publisher.publish(decision(n))));
    await publisher.close();
    const first = endpoint.bodies[0] as { message: Record<string, unknown>; subscription: string };
    assert.equal(first.subscription, subscription);
    assert.match(String(first.message['messageId']), /^\d+$/);
    assert.match(String(first.message['publishTime']), /^\d{4}-\d\d-\d\dT.*Z$/);
    assert.deepEqual(endpoint.bodies[1], first, 'a redelivery is the same message (same id)');
    const ids = endpoint.bodies.map((b) => {
      const message = (b as { message: { data: string; attributes: Record<string, string> } }).message;
      const decoded = decodeDecision(Buffer.from(message.data, 'base64'), message.attributes);
      assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
      return decoded.message.id;
    });
    assert.deepEqual(ids, ['d-1', 'd-1', 'd-2', 'd-3'], 'the first retried, then the others in order');
  });
});
