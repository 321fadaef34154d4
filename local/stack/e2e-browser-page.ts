/**
 * The String Hashr page of a running local stack, in headless Chromium (Debian's, driven by playwright-core),
 * for the browser end-to-end test: what a person does on it (type a rate, click Set) and what they see (the
 * newest results, the figures, the routing panel), with every console error and uncaught exception of the
 * page recorded — a CSP violation, a failed websocket or a 404 shows up there.
 * Launched as services/frontend/page.browser.test.ts launches it.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../test-support/chromium.js';
import { sleep } from '../test-support/wait.js';

export interface StackPage {
  readonly browser: Browser;
  readonly page: Page;
  /** Uncaught exceptions and console errors since the page was opened, in order. */
  readonly errors: readonly string[];
}

/** Chromium on `url` (the stack's page), once its live feed says `live`. Close `browser` when done. */
export async function openStackPage(url: string, timeoutMs: number): Promise<StackPage> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    await page.goto(url);
    await waitFor('the live feed', async () => (await textOf(page, 'connection')) === 'live', timeoutMs);
    return { browser, page, errors };
  } catch (err) {
    await browser.close().catch(() => undefined);
    throw err;
  }
}

type Falsy = false | undefined | null | 0 | '';

/**
 * Polls `check` every 250 ms until it returns a truthy value (returned; a throw counts as "not yet"), or
 * fails naming `what` and the last value seen after `timeoutMs`. `describe` turns that value into text.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | Falsy> | T | Falsy,
  timeoutMs: number,
  describe: (last: unknown) => string = (last) =>
    last instanceof Error ? last.message : (JSON.stringify(last) ?? String(last)),
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as T;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${describe(last)})`);
    }
    await sleep(250);
  }
}

/** An element's text (`id` without `#`), empty when it has none. */
export async function textOf(page: Page, id: string): Promise<string> {
  return (await page.locator(`#${id}`).textContent()) ?? '';
}

/** A figure's raw number (its `data-value`, see public/format.js), NaN while it shows none. */
export async function figureOf(page: Page, id: string): Promise<number> {
  const raw = await page.locator(`#${id}`).getAttribute('data-value');
  return raw === null || raw === '' ? NaN : Number(raw);
}

/** Types `rps` into the rate form, clicks Set, and waits for the page to confirm it. */
export async function setRateOnPage(page: Page, rps: number, timeoutMs: number): Promise<void> {
  await page.locator('#rate-input').fill(String(rps));
  await page.locator('#rate-submit').click();
  await waitFor(
    `the page to confirm ${rps} req/s`,
    async () =>
      (await figureOf(page, 'asked-rps')) === rps &&
      new RegExp(`Rate set to ${rps} req/s`).test(await textOf(page, 'rate-message')),
    timeoutMs,
  );
}

/** The newest results the list shows (newest first, at most `n`): their text and whether they are marked burst. */
export interface ShownResults {
  /** How many were read (fewer than `n` while the list is shorter). */
  readonly count: number;
  /** Of those, how many start with `bursty-`. */
  readonly bursty: number;
  /** Of those, how many the page marks as burst (class `burst`); must equal `bursty`. */
  readonly markedBurst: number;
}

export async function newestResults(page: Page, n: number): Promise<ShownResults> {
  const items = await page
    .locator('#results > li.result')
    .evaluateAll(
      (lis, max) =>
        lis
          .slice(0, max)
          .map(
            (li) => [li.querySelector('.hash')?.textContent ?? '', li.classList.contains('burst')] as const,
          ),
      n,
    );
  return {
    count: items.length,
    bursty: items.filter(([text]) => text.startsWith('bursty-')).length,
    markedBurst: items.filter(([, burst]) => burst).length,
  };
}

/** The share (0..1) of `origin` among `shown`; NaN when none were shown. */
export function shareShown(shown: ShownResults, origin: 'primary' | 'burst'): number {
  if (shown.count === 0) return NaN;
  return (origin === 'burst' ? shown.bursty : shown.count - shown.bursty) / shown.count;
}

/** `38 of 40 bursty-` (for messages). */
export function describeShown(shown: ShownResults): string {
  return `${shown.bursty} of ${shown.count} bursty- (${shown.markedBurst} marked burst)`;
}

/** What the routing panel shows: weights, the override box, the newest decision. */
export interface PanelState {
  readonly primary: number;
  readonly burst: number;
  readonly overrideActive: boolean;
  readonly overrideTitle: string;
  readonly overrideDetail: string;
  readonly overrideReason: string;
  readonly newestKind: string;
  readonly newestReason: string;
}

export async function panelState(page: Page): Promise<PanelState> {
  const newest = page.locator('#routing-decisions > li').first();
  const hasNewest = (await newest.count()) > 0;
  return {
    primary: await figureOf(page, 'routing-weight-primary'),
    burst: await figureOf(page, 'routing-weight-burst'),
    overrideActive: (await page.locator('#routing-override').getAttribute('data-active')) === 'true',
    overrideTitle: await textOf(page, 'routing-override-title'),
    overrideDetail: await textOf(page, 'routing-override-detail'),
    overrideReason: await textOf(page, 'routing-override-reason'),
    newestKind: hasNewest ? ((await newest.locator('.kind').textContent()) ?? '') : '',
    newestReason: hasNewest ? ((await newest.locator('.reason').textContent()) ?? '') : '',
  };
}

/** A screenshot of the whole page into `file` (its folder created). */
export async function screenshotTo(page: Page, file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
}
