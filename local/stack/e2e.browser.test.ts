/**
 * The codelab's story in headless Chromium, through the page only, on the whole local stack (startStack,
 * real parts): a person sets 5 req/s and the results are the primary's; sets 20 and, within seconds, the
 * routing panel moves to burst with the decider's reason and the results turn `bursty-`; sets 5 and they
 * come back; an operator's override (`spillway override primary`) holds at 20 req/s until `override auto`.
 * Full-page screenshots of the burst and override moments go to test-results/. No console error or CSP
 * violation along the way. Counts, ratios and what the page shows only: timings are `npm run bench:reaction`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { sleep } from '../test-support/wait.js';
import {
  describeShown,
  figureOf,
  newestResults,
  openStackPage,
  panelState,
  screenshotTo,
  setRateOnPage,
  shareShown,
  textOf,
  waitFor,
  type PanelState,
  type ShownResults,
} from './e2e-browser-page.js';
import { overrideStack } from './e2e-drive.js';
import { tailOf } from './e2e-logs.js';
import type { Stack } from './options.js';
import { startStack } from './start-stack.js';

/** The newest list items a share is measured over: ~2 s of results at 20 req/s, ~4 s at 5 req/s. */
const AT_20 = 40;
const AT_5 = 20;
const SHARE = 0.95;
/** Deadlines only (the stack reacts within a few seconds; 2 shared cores and other tests may slow it). */
const REACTION_TIMEOUT_MS = 45_000;
const PAGE_TIMEOUT_MS = 20_000;
const BURST_SCREENSHOT = fileURLToPath(new URL('../../test-results/e2e-burst.png', import.meta.url));
const OVERRIDE_SCREENSHOT = fileURLToPath(new URL('../../test-results/e2e-override.png', import.meta.url));
const OVERRIDE_REASON = 'browser e2e';

const percent = (share: number): string => `${Math.round(share * 100)} %`;

describe('the codelab story in headless Chromium, through the page', () => {
  let dir = '';
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let errors: readonly string[] = [];
  let keepLogs = false;

  /** `promise`, unless a part of the stack exits first: then a failure naming it, with its log's tail. */
  async function guard<T>(promise: Promise<T>): Promise<T> {
    if (stack === undefined) throw new Error('the stack did not start');
    const failed = stack.failed.then(async ({ part, code, logFile }) => {
      throw new Error(`${part} exited (code ${String(code)}); ${logFile}:\n${await tailOf(logFile)}`);
    });
    return Promise.race([promise, failed]);
  }

  const override = (args: string[]): Promise<void> => overrideStack(dir, args);

  /** Waits until the newest `n` results the page lists are at least 95 % from `origin`. */
  async function resultsFrom(origin: 'primary' | 'burst', n: number): Promise<void> {
    let last: ShownResults | undefined;
    const shown = await guard(
      waitFor(
        `${percent(SHARE)} of the newest ${n} results shown from ${origin}`,
        async () => {
          last = await newestResults(page, n);
          return last.count === n && shareShown(last, origin) >= SHARE ? last : false;
        },
        REACTION_TIMEOUT_MS,
        () => (last === undefined ? 'none read' : describeShown(last)),
      ),
    );
    assert.equal(shown.markedBurst, shown.bursty, 'the page marks exactly the bursty- results as burst');
  }

  /** Waits until the routing panel satisfies `check` (the last state seen in the failure otherwise). */
  async function panel(what: string, check: (p: PanelState) => boolean): Promise<PanelState> {
    let last: PanelState | undefined;
    return guard(
      waitFor(
        `the routing panel to show ${what}`,
        async () => {
          last = await panelState(page);
          return check(last) ? last : false;
        },
        REACTION_TIMEOUT_MS,
        () => JSON.stringify(last),
      ),
    );
  }

  before(
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'spillway-e2e-browser-'));
      stack = await startStack({ dir, frontendPort: 0, frontendHost: '127.0.0.1' });
      const opened = await guard(openStackPage(stack.description.frontend.url, 60_000));
      ({ browser, page, errors } = opened);
      await guard(
        waitFor(
          'the Kubernetes API live on the panel',
          async () => (await textOf(page, 'routing-api-text')) === 'live',
          60_000,
        ),
      );
    },
    { timeout: 240_000 },
  );

  afterEach((t) => {
    // `passed` is on Node's TestContext since 21.7; @types/node does not declare it yet.
    keepLogs ||= (t as { passed?: boolean }).passed === false;
  });

  after(async () => {
    // Each on its own: one failing must not leave the others running.
    await browser?.close().catch(() => undefined);
    await stack?.stop().catch(() => undefined);
    if (keepLogs)
      process.stderr.write(`e2e.browser: a test failed; the stack's logs are kept in ${dir}/logs\n`);
    else if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  test('at 5 req/s the page lists the primary’s results and the panel shows primary 100 %', async () => {
    await guard(setRateOnPage(page, 5, PAGE_TIMEOUT_MS));
    await guard(sleep(3_000)); // the first seconds after the start are not the story
    await resultsFrom('primary', AT_5);
    await panel('primary 100 % / burst 0 %', (p) => p.primary === 100 && p.burst === 0);
    assert.ok((await figureOf(page, 'primary-rps')) > 0, 'primary results per second');
  });

  test('at 20 req/s the panel moves to burst with the reason, and the results turn bursty-', async () => {
    await guard(setRateOnPage(page, 20, PAGE_TIMEOUT_MS));
    const moved = await panel(
      'burst 100 % with an auto decision above 15 req/s',
      (p) => p.primary === 0 && p.burst === 100 && p.newestKind === 'auto',
    );
    assert.match(moved.newestReason, /rate [\d.]+ req\/s is above high 15 req\/s/);
    const rate = Number(/rate ([\d.]+) req\/s/.exec(moved.newestReason)?.[1]);
    assert.ok(rate > 15, `the reason's rate ${rate} is above 15`);
    await resultsFrom('burst', AT_20);
    await guard(
      waitFor(
        'burst results/s above primary results/s',
        async () => (await figureOf(page, 'burst-rps')) > (await figureOf(page, 'primary-rps')),
        REACTION_TIMEOUT_MS,
      ),
    );
    // The screenshot once the primary's last results left the figures' window: the burst moment, plainly.
    await guard(
      waitFor(
        'no primary results per second',
        async () => (await figureOf(page, 'primary-rps')) === 0,
        30_000,
      ),
    );
    await screenshotTo(page, BURST_SCREENSHOT);
  });

  test('back at 5 req/s the panel returns to primary and so do the results', async () => {
    await guard(setRateOnPage(page, 5, PAGE_TIMEOUT_MS));
    const back = await panel('primary 100 % / burst 0 %', (p) => p.primary === 100 && p.burst === 0);
    assert.equal(back.newestKind, 'auto');
    assert.match(back.newestReason, /is below low 10 req\/s/);
    await resultsFrom('primary', AT_5);
  });

  test(
    'an override to primary shows on the panel and holds at 20 req/s until released',
    { timeout: 120_000 },
    async () => {
      await guard(override(['primary', '--ttl', '5m', '--reason', OVERRIDE_REASON]));
      const shown = await panel(
        'the override',
        (p) => p.overrideActive && p.overrideReason === OVERRIDE_REASON,
      );
      assert.match(shown.overrideTitle, /Override: primary 100 % · burst 0 %/);
      assert.match(shown.overrideDetail, /^until .+ · \d+ min \d+ s left$/);
      assert.equal(shown.newestKind, 'override');
      assert.equal(shown.newestReason, OVERRIDE_REASON);

      await guard(setRateOnPage(page, 20, PAGE_TIMEOUT_MS));
      // Several looks over ~10 s: the override holds, whatever the decider asks.
      for (let look = 1; look <= 5; look++) {
        await guard(sleep(2_000));
        const state = await panelState(page);
        assert.deepEqual(
          [state.primary, state.burst, state.overrideActive],
          [100, 0, true],
          `look ${look}: ${JSON.stringify(state)}`,
        );
        const results = await newestResults(page, AT_20);
        assert.ok(
          shareShown(results, 'primary') >= SHARE,
          `look ${look}: ${describeShown(results)} during the override`,
        );
        if (look === 3) await screenshotTo(page, OVERRIDE_SCREENSHOT);
      }
      // The rate the decider sees was above 15 meanwhile: without the override the traffic would have moved.
      const held = await newestResults(page, 150);
      assert.equal(held.count, 150, '150 results or more listed');
      assert.ok(shareShown(held, 'primary') >= SHARE, `${describeShown(held)} during the override`);
      assert.ok((await figureOf(page, 'achieved-rps')) > 15, 'the page achieved more than 15 req/s');
      assert.ok((await figureOf(page, 'burst-rps')) < 1, 'no burst results per second during the override');

      await guard(override(['auto']));
      await panel('no override', (p) => !p.overrideActive && /^No override/.test(p.overrideTitle));
      await panel('burst 100 % again', (p) => p.primary === 0 && p.burst === 100 && p.newestKind === 'auto');
      await resultsFrom('burst', AT_20);
    },
  );

  test('no console error, uncaught exception or CSP violation during the story', () => {
    assert.deepEqual(errors, []);
  });
});
