/**
 * The codelab's story, automated, on the whole local stack (startStack, real parts): at 5 req/s the hashes
 * come from the primary; at 20 req/s they turn `bursty-`; back at 5 they return; an operator's override
 * (`spillway override primary`) holds at 20 req/s until `spillway override auto` releases it. Then stop()
 * leaves no port open, no process behind and no stack file. Counts and ratios only: how fast the stack
 * reacts is `npm run bench:reaction`.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { Outcome } from '../../core/applier/rules.js';
import { ALL_BURST, ALL_PRIMARY } from '../../core/weights.js';
import { listenOnLoopback } from '../test-support/listen-loopback.js';
import { sleep, until } from '../test-support/wait.js';
import { controlPlaneUrl, overrideStack, readRoute, setRate } from './e2e-drive.js';
import { descendants, leftoverProcesses, openPorts, runningProcesses, stackPorts } from './e2e-leftovers.js';
import { readLog, tailOf } from './e2e-logs.js';
import { shareOf, subscribeResults, type ResultStream } from './e2e-results.js';
import type { Stack } from './options.js';
import { startStack } from './start-stack.js';
import { stackFilePath, type StackFile } from './stack-file.js';

/** Results at 20 req/s (2 s) and at 5 req/s (4 s): the sliding windows the shares are measured over. */
const AT_20 = { results: 40 };
const AT_5 = { results: 20 };
/** How long the stack may take to move the traffic (it takes a few seconds; this is only a deadline). */
const REACTION_TIMEOUT_MS = 30_000;
const percent = (share: number): string => `${Math.round(share * 100)} %`;

describe('the local stack, end to end: the codelab story', () => {
  let dir = '';
  let stack: Stack | undefined;
  let description: StackFile;
  let results: ResultStream;
  let ports: number[] = [];
  let processesBefore = new Set<string>();
  const remembered = new Set<string>();
  /** The test's descendants that were not there before the stack (tsx's esbuild service was). */
  const remember = (): void =>
    descendants()
      .filter((p) => !processesBefore.has(p))
      .forEach((p) => remembered.add(p));
  let keepLogs = false;

  /** Rejects when a part of the stack exits on its own, naming it, with its log's tail. */
  let partFailed: Promise<never> = new Promise(() => undefined);

  /** `promise`, unless a part of the stack exits first. */
  function guard<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, partFailed]);
  }

  const override = (args: string[]): Promise<void> => overrideStack(dir, args);

  before(
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'spillway-e2e-'));
      processesBefore = runningProcesses();
      stack = await startStack({ dir, frontendPort: 0, frontendHost: '127.0.0.1' });
      description = stack.description;
      partFailed = stack.failed.then(async ({ part, code, logFile }) => {
        throw new Error(`${part} exited (code ${String(code)}); ${logFile}:\n${await tailOf(logFile)}`);
      });
      partFailed.catch(() => undefined); // raced by every step; unhandled only between them
      ports = stackPorts(description, [controlPlaneUrl(description)]);
      remember();
      results = await subscribeResults(description.redis.url);
    },
    { timeout: 180_000 },
  );

  afterEach((t) => {
    // `passed` is on Node's TestContext since 21.7; @types/node does not declare it yet.
    keepLogs ||= (t as { passed?: boolean }).passed === false;
  });

  after(async () => {
    await results?.close();
    await stack?.stop();
    if (keepLogs) process.stderr.write(`e2e: a test failed; the stack's logs are kept in ${dir}/logs\n`);
    else await rm(dir, { recursive: true, force: true });
  });

  test('at 5 req/s the results come from the primary', { timeout: 60_000 }, async () => {
    await guard(setRate(description, 5));
    await guard(sleep(3_000)); // the first seconds after the start are not the story
    const from = results.count();
    await guard(until(() => results.count() - from >= 25, 30_000));
    const settled = results.results.slice(from);
    assert.ok(
      shareOf(settled, 'primary') >= 0.95,
      `${percent(shareOf(settled, 'primary'))} of ${settled.length} results from the primary`,
    );
    assert.deepEqual((await readRoute(description)).weights, ALL_PRIMARY);
  });

  test('at 20 req/s they turn bursty- (≥ 95 % of a sliding window), the route all to burst', async () => {
    const from = results.count();
    await guard(setRate(description, 20));
    await guard(results.waitForShare(from, 'burst', 0.95, AT_20, REACTION_TIMEOUT_MS));
    const route = await readRoute(description);
    assert.deepEqual(route.weights, ALL_BURST);
    assert.equal(route.state.lastApplied?.kind, 'auto');
  });

  test('back at 5 req/s they return to the primary', async () => {
    const from = results.count();
    await guard(setRate(description, 5));
    await guard(results.waitForShare(from, 'primary', 0.95, AT_5, REACTION_TIMEOUT_MS));
    assert.deepEqual((await readRoute(description)).weights, ALL_PRIMARY);
  });

  test(
    'an override to primary holds at 20 req/s: the decider is suppressed',
    { timeout: 90_000 },
    async () => {
      const overrideSentAt = Date.now();
      await guard(override(['primary', '--ttl', '10m', '--reason', 'e2e: hold the primary']));
      await guard(until(async () => (await readRoute(description)).state.override !== undefined, 30_000));
      const active = (await readRoute(description)).state.override;
      assert.deepEqual(active?.weights, ALL_PRIMARY);
      assert.equal(active?.reason, 'e2e: hold the primary');

      const from = results.count();
      await guard(setRate(description, 20));
      await guard(sleep(10_000));
      const held = results.results.slice(from);
      assert.ok(held.length >= 100, `only ${held.length} results in 10 s at 20 req/s`);
      assert.ok(
        shareOf(held, 'primary') >= 0.95,
        `${percent(shareOf(held, 'primary'))} of ${held.length} results from the primary during the override`,
      );
      const route = await readRoute(description);
      assert.deepEqual(route.weights, ALL_PRIMARY);
      assert.notEqual(route.state.override, undefined);
      // The decider did ask for burst meanwhile, and the applier held the override against it.
      const suppressed = (await readLog(description.logDir, 'applier')).filter(
        (line) => line.time >= overrideSentAt && line.fields['outcome'] === Outcome.Suppressed,
      );
      assert.ok(suppressed.length >= 1, 'no auto decision was suppressed during the override');
    },
  );

  test('override auto releases it: at 20 req/s the results turn bursty- again', async () => {
    await guard(override(['auto', '--reason', 'e2e: back to automatic']));
    await guard(until(async () => (await readRoute(description)).state.override === undefined, 30_000));
    const from = results.count();
    await guard(results.waitForShare(from, 'burst', 0.95, AT_20, REACTION_TIMEOUT_MS));
    assert.deepEqual((await readRoute(description)).weights, ALL_BURST);
  });

  test('stop() closes every port, leaves no process behind and removes the stack file', async () => {
    assert.ok(existsSync(stackFilePath(dir)), 'the stack file is there while the stack runs');
    remember();
    await results.close();
    await stack?.stop();
    assert.deepEqual(await openPorts(ports), [], `ports still open (of ${ports.join(', ')})`);
    const left = leftoverProcesses({ dir, ports, remembered, before: processesBefore });
    assert.deepEqual(left, [], 'processes left behind');
    assert.equal(existsSync(stackFilePath(dir)), false, 'the stack file is still there');
    await stack?.stop(); // idempotent
  });
});

describe('the local stack with its page port taken', () => {
  let dir = '';
  let blocker: Server | undefined;
  after(async () => {
    blocker?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('startStack rejects with a message naming the port, and leaves nothing running', async () => {
    dir = await mkdtemp(join(tmpdir(), 'spillway-e2e-taken-'));
    blocker = createServer();
    const port = await listenOnLoopback(blocker);
    const processesBefore = runningProcesses();
    await assert.rejects(startStack({ dir, frontendPort: port, frontendHost: '127.0.0.1' }), (err: Error) => {
      assert.match(err.message, new RegExp(`\\b${port}\\b`));
      return true;
    });
    assert.deepEqual(
      descendants().filter((p) => !processesBefore.has(p)),
      [],
      'processes the failed start left running',
    );
    assert.deepEqual(leftoverProcesses({ dir, ports: [], remembered: [], before: processesBefore }), []);
    assert.equal(existsSync(stackFilePath(dir)), false, 'a stack file was written');
  });
});
