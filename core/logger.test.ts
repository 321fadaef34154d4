import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loggerOptions } from './logger.js';

function capture(level: 'info' | 'debug') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino(loggerOptions({ service: 'test', level, base: { cluster: 'burst' } }), stream);
  return { logger, lines };
}

test('log lines carry Cloud Logging fields: severity, message, time, and the service', async () => {
  const { logger, lines } = capture('info');
  logger.info({ rps: 3 }, 'hello');
  logger.warn('careful');
  logger.error(new Error('boom'), 'failed');
  logger.debug('hidden');
  await new Promise((r) => setImmediate(r));
  assert.equal(lines.length, 3);
  assert.deepEqual(
    lines.map((l) => [l['severity'], l['message']]),
    [
      ['INFO', 'hello'],
      ['WARNING', 'careful'],
      ['ERROR', 'failed'],
    ],
  );
  const first = lines[0] ?? {};
  assert.equal(first['service'], 'test');
  assert.equal(first['cluster'], 'burst');
  assert.equal(first['rps'], 3);
  assert.match(String(first['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal('level' in first, false, 'no numeric pino level');
  assert.equal('msg' in first, false);
});
