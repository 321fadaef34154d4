import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { listenOnLoopback } from '../test-support/listen-loopback.js';
import { until } from '../test-support/wait.js';
import { callDeciderOverHttp, startScheduler, type DeciderAnswer } from './scheduler.js';

test('calls one at a time, records each answer and each failure, and stop() waits for the call in progress', async () => {
  const records: Record<string, unknown>[] = [];
  let inFlight = 0;
  let most = 0;
  let n = 0;
  let release: (() => void) | undefined;
  const scheduler = startScheduler({
    everyMs: 10,
    call: async (): Promise<DeciderAnswer> => {
      n++;
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        if (n === 2) throw new Error('connection refused');
        if (n === 4) await new Promise<void>((resume) => (release = resume));
        return { status: 200, body: { decisions: [{ action: 'hold' }], ticks: 1 } };
      } finally {
        inFlight--;
      }
    },
    record: (line) => records.push(line),
  });
  await until(() => release !== undefined, 10_000);
  const stopped = scheduler.stop();
  let done = false;
  void stopped.then(() => (done = true));
  await new Promise((resume) => setTimeout(resume, 50));
  assert.equal(done, false, 'stop() waits for the call in progress');
  release?.();
  await stopped;
  assert.equal(scheduler.calls, 4, 'no call after stop()');
  assert.equal(most, 1, 'never two calls at once');
  assert.equal(records.length, 4);
  assert.deepEqual(records[0]?.['decisions'], [{ action: 'hold' }]);
  assert.equal(records[0]?.['status'], 200);
  assert.equal(records[1]?.['error'], 'connection refused');
  for (const r of records) assert.match(String(r['time']), /^\d{4}-\d\d-\d\dT/);
});

test('over HTTP: POSTs as Cloud Scheduler does and keeps a non-JSON answer as text', async () => {
  const seen: string[] = [];
  let reply = '{"decisions":[],"ticks":1}';
  const server = createServer((req, res) => {
    seen.push(`${String(req.method)} ${String(req.headers['user-agent'])}`);
    res.writeHead(reply.startsWith('{') ? 200 : 500).end(reply);
  });
  const url = `http://127.0.0.1:${String(await listenOnLoopback(server))}/`;
  try {
    assert.deepEqual(await callDeciderOverHttp(url, 5000), {
      status: 200,
      body: { decisions: [], ticks: 1 },
    });
    reply = 'Internal Server Error';
    assert.deepEqual(await callDeciderOverHttp(url, 5000), { status: 500, body: 'Internal Server Error' });
    assert.deepEqual(seen, ['POST Google-Cloud-Scheduler', 'POST Google-Cloud-Scheduler']);
  } finally {
    server.close();
  }
});
