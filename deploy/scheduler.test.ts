import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlFile, root } from './support/repo.js';
import { commandHelp, gcloudRejects } from './support/gcloud.js';

const [flags] = parseYamlFile('scheduler.yaml') as [Record<string, unknown>];

describe('scheduler.yaml (a gcloud flags file for the Scheduler job)', () => {
  test('is one mapping of long flags to plain values', () => {
    assert.equal(parseYamlFile('scheduler.yaml').length, 1);
    assert.ok(Object.keys(flags).length > 0);
    for (const [flag, value] of Object.entries(flags)) {
      assert.match(flag, /^--[a-z][a-z0-9-]*$/);
      assert.ok(['string', 'number', 'boolean'].includes(typeof value), `${flag}: ${JSON.stringify(value)}`);
    }
    // Set by the build on the command line (they depend on the deployment), never here.
    for (const dynamic of ['--uri', '--oidc-service-account-email', '--oidc-token-audience', '--location']) {
      assert.ok(!(dynamic in flags), dynamic);
    }
    assert.equal(flags['--schedule'], '* * * * *', 'every minute, the most Cloud Scheduler allows');
    assert.equal(flags['--http-method'], 'POST');
  });

  for (const verb of ['create', 'update'] as const) {
    test(`every flag is one that \`gcloud scheduler jobs ${verb} http --help\` lists`, async () => {
      const help = await commandHelp(['scheduler', 'jobs', verb, 'http']);
      assert.equal(help.command, `gcloud scheduler jobs ${verb} http`);
      for (const flag of Object.keys(flags)) assert.ok(help.flags.has(flag), `${verb} http has no ${flag}`);
    });

    test(`the real gcloud parses \`scheduler jobs ${verb} http --flags-file=scheduler.yaml\` with the build's flags`, async () => {
      const args = [
        'scheduler',
        'jobs',
        verb,
        'http',
        'spillway-decider-tick',
        '--location=us-west1',
        '--flags-file=scheduler.yaml',
        '--uri=https://spillway-decider-fake-uw.a.run.app',
        '--oidc-token-audience=https://spillway-decider-fake-uw.a.run.app',
        '--oidc-service-account-email=spillway-scheduler@spillway-test.iam.gserviceaccount.com',
      ];
      assert.equal(await gcloudRejects(args, root), undefined);
    });
  }

  test('the check itself refuses a flag gcloud does not know and a value it cannot parse', async () => {
    const base = [
      'scheduler',
      'jobs',
      'create',
      'http',
      'x',
      '--location=us-west1',
      '--uri=https://example.test',
    ];
    assert.match(
      (await gcloudRejects([...base, '--schedule=* * * * *', '--retry-forever'], root)) ?? '',
      /unrecognized/,
    );
    assert.match(
      (await gcloudRejects([...base, '--schedule=* * * * *', '--attempt-deadline=soon'], root)) ?? '',
      /exit/,
    );
    const help = await commandHelp(['scheduler', 'jobs', 'create', 'http']);
    assert.ok(!help.flags.has('--retry-forever'));
  });
});
