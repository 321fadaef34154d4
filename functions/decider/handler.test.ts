import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { pino } from 'pino';
import { freePort } from '../../local/ports.js';
import { listenOnLoopback } from '../../local/test-support/listen-loopback.js';
import { until } from '../../local/test-support/wait.js';
import { createDecider } from './decider.js';
import { deciderHandler } from './handler.js';
import { loadDeciderConfig } from './load-config.js';
import { startSlowServer } from './test-support/slow-server.js';
import { serveDecider } from './test-support/stack.js';

describe('the HTTP interface', () => {
  test('methods other than POST and GET are refused with 405 JSON', async () => {
    const served = await serveDecider({ PROMETHEUS_URL: `http://127.0.0.1:${await freePort()}` });
    try {
      for (const method of ['PUT', 'DELETE', 'PATCH']) {
        const { status, body } = await served.call(method);
        assert.equal(status, 405);
        assert.equal(body.error?.code, 'METHOD_NOT_ALLOWED');
      }
      const get = await served.call('GET');
      assert.deepEqual([get.status, get.body.decisions[0]?.cause], [200, 'source-unreachable']);
    } finally {
      await served.close();
    }
  });

  test('a call while another runs in the instance answers 409', async () => {
    let asked = 0;
    const slow = await startSlowServer(() => (asked += 1));
    const served = await serveDecider({ PROMETHEUS_URL: slow.url, PROMETHEUS_TIMEOUT: '2s' });
    try {
      const first = served.call();
      await until(() => asked > 0);
      const second = await served.call();
      assert.deepEqual([second.status, second.body.error?.code], [409, 'BUSY']);
      const { status, body } = await first;
      assert.deepEqual([status, body.decisions[0]?.cause], [200, 'source-timeout']);
    } finally {
      await served.close();
      slow.close();
    }
  });

  test('configured lazily (another function’s instance), a bad setting answers 500 with the message', async () => {
    const logger = pino({ level: 'silent' });
    const name = 'decide-lazy-config';
    const getDecider = () => createDecider({ config: loadDeciderConfig({ SPILLWAY_TOPIC: '!' }), logger });
    http(name, deciderHandler(getDecider, logger));
    const server = getTestServer(name);
    const port = await listenOnLoopback(server);
    try {
      const url = `http://127.0.0.1:${port}/`;
      const answer = await fetch(url, { method: 'POST' });
      assert.equal(answer.status, 500);
      const body = (await answer.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'CONFIG_INVALID');
      assert.match(
        body.error.message,
        /^invalid decider configuration: SPILLWAY_TOPIC must be a Pub\/Sub topic id \(got "!"\)$/,
      );
    } finally {
      server.close();
    }
  });
});
