import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { loadConfig } from './load.js';
import { WorkerConfigSchema } from './worker.js';
import { FrontendConfigSchema } from './frontend.js';

test('defaults fill in what the environment does not set', () => {
  const config = loadConfig('worker', WorkerConfigSchema, {});
  assert.equal(config.PORT, 8081);
  assert.equal(config.PREFIX, '');
  assert.equal(config.LOG_LEVEL, 'info');
  assert.equal(config.REDIS_URL, 'redis://127.0.0.1:6379');
  assert.equal(loadConfig('frontend', FrontendConfigSchema, {}).MAX_RATE, 5000);
});

test('strings from the environment are converted to the schema types; unknown variables are ignored', () => {
  const config = loadConfig('frontend', FrontendConfigSchema, { PORT: '9000', MAX_RATE: '10', HOME: '/x' });
  assert.equal(config.PORT, 9000);
  assert.equal(config.MAX_RATE, 10);
  assert.equal('HOME' in config, false);
});

test('an empty PREFIX is a value, not a missing one', () => {
  assert.equal(loadConfig('worker', WorkerConfigSchema, { PREFIX: '' }).PREFIX, '');
  assert.equal(loadConfig('worker', WorkerConfigSchema, { PREFIX: 'bursty-' }).PREFIX, 'bursty-');
});

const invalid: [string, string, RegExp][] = [
  ['PORT', 'abc', /PORT must be an integer from 1 to 65535 \(got "abc"\)/],
  ['PORT', '0', /PORT must be an integer from 1 to 65535/],
  ['PORT', '8080.5', /PORT must be an integer/],
  ['LOG_LEVEL', 'verbose', /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
  ['REDIS_URL', 'localhost:6379', /REDIS_URL .*redis:\/\//],
  ['PREFIX', 'x'.repeat(65), /PREFIX .*at most 64/],
];

for (const [variable, value, message] of invalid) {
  test(`${variable}=${JSON.stringify(value).slice(0, 20)} is refused with a message naming it`, () => {
    assert.throws(
      () => loadConfig('worker', WorkerConfigSchema, { [variable]: value }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, 'CONFIG_INVALID');
        assert.match(err.message, /^invalid worker configuration: /);
        assert.match(err.message, message);
        assert.deepEqual(
          err.problems.map((p) => p.variable),
          [variable],
        );
        return true;
      },
    );
  });
}

test('every invalid variable is named at once', () => {
  assert.throws(
    () =>
      loadConfig('frontend', FrontendConfigSchema, { PORT: 'x', MAX_RATE: '-1', PROCESSOR_URL: 'ftp://a' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      ['PORT', 'MAX_RATE', 'PROCESSOR_URL'].every((v) => err.problems.some((p) => p.variable === v)),
  );
});
