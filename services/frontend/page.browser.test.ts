/**
 * The String Hashr page end to end, with real parts only: a redis-server, a primary worker, a burst worker
 * (PREFIX=bursty-) and the frontend as child processes, the local control plane (changed with kubectl) for
 * the routing panel, and Debian's Chromium driven by playwright-core.
 * The frontend's load generator sends to the primary worker; the test itself sends a trickle to the burst
 * worker so that both origins show up in the list and the chart.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../local/test-support/chromium.js';
import { Annotation } from '../../core/applier/state.js';
import { CALCULATION_CHANNEL } from '../../core/channels.js';
import {
  Kubectl,
  SeedVs,
  startTestControlPlane,
  weightsPatch,
  type TestControlPlane,
} from '../../local/control-plane/test-helpers.js';
import { startRedisServer, type RedisServer } from '../../local/redis-server.js';
import { startService, type ServiceProcess } from '../../local/service-process.js';
import { sleep } from '../../local/test-support/wait.js';
import { HASH_PATTERN } from '../worker/hash.js';
import { annotateArgs } from './test-support.js';

const WAIT_MS = 30_000;
const SCREENSHOT = new URL('../../test-results/frontend-page.png', import.meta.url);
const ROUTING_SCREENSHOT = new URL('../../test-results/frontend-routing.png', import.meta.url);

let redisServer: RedisServer | undefined;
let controlPlane: TestControlPlane | undefined;
let kubectl: Kubectl | undefined;
let primaryWorker: ServiceProcess | undefined;
let burstWorker: ServiceProcess | undefined;
let frontend: ServiceProcess | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let burstTrickle: NodeJS.Timeout | undefined;

before(async () => {
  redisServer = await startRedisServer();
  controlPlane = await startTestControlPlane();
  kubectl = new Kubectl(controlPlane.kubeconfigPath);
  const common = { REDIS_URL: redisServer.url, LOG_LEVEL: 'warn' };
  const workerFile = new URL('../worker/server.ts', import.meta.url);
  primaryWorker = await startService(workerFile, { ...common, CLUSTER_NAME: 'primary' });
  burstWorker = await startService(workerFile, { ...common, CLUSTER_NAME: 'burst', PREFIX: 'bursty-' });
  frontend = await startService(new URL('./server.ts', import.meta.url), {
    ...common,
    PROCESSOR_URL: primaryWorker.url,
    ROUTING_KUBECONFIG: controlPlane.kubeconfigPath,
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
});

after(async () => {
  clearInterval(burstTrickle);
  // One step at a time, each on its own: one failing must not leave the others running.
  const steps: (() => Promise<unknown> | undefined)[] = [
    () => browser?.close(),
    () => frontend?.stop(),
    () => primaryWorker?.stop(),
    () => burstWorker?.stop(),
    () => redisServer?.stop(),
    () => controlPlane?.dispose(),
    async () => kubectl?.dispose(),
  ];
  for (const step of steps)
    await Promise.resolve()
      .then(step)
      .catch(() => undefined);
});

interface OpenPage {
  page: Page;
  /** Every URL the page asked for: requests and websockets. */
  requests: string[];
  /** Uncaught exceptions and console errors (a CSP violation, a failed websocket, a 404, …). */
  errors: string[];
}

/** A new tab on the frontend's page, once its live feed is connected. */
async function openPage(): Promise<OpenPage> {
  assert.ok(context && frontend, 'the browser and the frontend started');
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('websocket', (ws) => requests.push(ws.url()));
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (message) => {
    // Chromium logs every 4xx answer; the 400 to a rate out of range is expected.
    const expected = /status of 400 \(Bad Request\)/.test(message.text());
    if (message.type() === 'error' && !expected) errors.push(message.text());
  });
  await page.goto(frontend.url);
  await waitUntil('the live feed', async () => (await page.locator('#connection').textContent()) === 'live');
  return { page, requests, errors };
}

/** Polls `check` until it returns a truthy value (returned), or fails naming `what` after `timeoutMs`. */
async function waitUntil<T>(what: string, check: () => Promise<T> | T, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
    }
    await sleep(100);
  }
}

/** A figure's raw number (its data-value), or NaN while it has none. */
async function figure(page: Page, id: string): Promise<number> {
  const raw = await page.locator(`#${id}`).getAttribute('data-value');
  return raw === null || raw === '' ? NaN : Number(raw);
}

async function setRate(page: Page, value: string, submit: 'click' | 'enter'): Promise<void> {
  await page.locator('#rate-input').fill(value);
  if (submit === 'click') await page.locator('#rate-submit').click();
  else await page.locator('#rate-input').press('Enter');
}

const hashTexts = (page: Page, origin: 'primary' | 'burst') =>
  page.locator(`#results > li.result.${origin} .hash`).allTextContents();

test('the page sets the rate and shows live results, figures and chart, talking only to its frontend', async () => {
  const { page, requests, errors } = await openPage();
  const front = frontend?.url ?? '';
  const burstUrl = burstWorker?.url ?? '';

  assert.match(await page.title(), /String Hashr/);
  assert.match((await page.locator('h1').textContent()) ?? '', /String Hashr/);
  assert.ok(await page.locator('header').getByText('bursty-').isVisible(), 'the header explains bursty-');
  await waitUntil('the Redis state', async () => (await page.locator('#redis').textContent()) === 'ready');

  // Some results from the burst cluster too (the frontend only sends to the primary worker).
  burstTrickle = setInterval(() => {
    fetch(burstUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ str: `burst ${String(Date.now())}` }),
    }).catch(() => undefined);
  }, 250);

  await setRate(page, '10', 'click');
  const message = page.locator('#rate-message');
  await waitUntil('the confirmed rate', async () => /10 req\/s/.test((await message.textContent()) ?? ''));
  assert.equal(await message.getAttribute('role'), 'alert');
  assert.doesNotMatch((await message.getAttribute('class')) ?? '', /\berror\b/, 'success is not an error');
  await waitUntil('asked = 10', async () => (await figure(page, 'asked-rps')) === 10);

  await waitUntil('primary and burst results in the list', async () => {
    const primary = await page.locator('#results > li.result.primary').count();
    const burst = await page.locator('#results > li.result.burst').count();
    return primary >= 5 && burst >= 2;
  });
  for (const text of await hashTexts(page, 'primary')) assert.match(text, HASH_PATTERN);
  for (const text of await hashTexts(page, 'burst')) {
    assert.ok(text.startsWith('bursty-'), text);
    assert.match(text.slice('bursty-'.length), HASH_PATTERN);
  }
  assert.equal(await page.locator('#results > li.result.burst .badge').first().textContent(), 'burst');
  assert.equal(await page.locator('#results > li.result.primary .badge').count(), 0);

  await waitUntil('primary results per second > 0', async () => (await figure(page, 'primary-rps')) > 0);
  await waitUntil('burst results per second > 0', async () => (await figure(page, 'burst-rps')) > 0);
  await waitUntil('achieved req/s > 0', async () => (await figure(page, 'achieved-rps')) > 0);
  await waitUntil('ok requests > 0', async () => (await figure(page, 'requests-ok')) > 0);
  assert.equal(await figure(page, 'requests-error'), 0);

  const chart = page.locator('canvas#chart');
  assert.equal(await chart.count(), 1);
  const box = await chart.boundingBox();
  assert.ok(box !== null && box.width > 200 && box.height > 80, `chart size ${JSON.stringify(box)}`);

  // A few seconds of history make a readable screenshot.
  await sleep(3000);
  await mkdir(new URL('.', SCREENSHOT), { recursive: true });
  await page.screenshot({ path: fileURLToPath(SCREENSHOT) });

  // A rate out of range: the server's message, shown as an error; the rate stays.
  await setRate(page, '-5', 'enter');
  await waitUntil('the error message', async () => /from 0 to/.test((await message.textContent()) ?? ''));
  assert.ok(await message.isVisible());
  assert.match((await message.getAttribute('class')) ?? '', /\berror\b/);
  assert.match((await message.textContent()) ?? '', /got -5/);
  assert.equal(await page.locator('#rate-input').getAttribute('aria-invalid'), 'true');
  assert.equal(await figure(page, 'asked-rps'), 10, 'the rate is unchanged');

  // An empty input: a clear message from the page itself.
  await setRate(page, '', 'click');
  await waitUntil('the empty-input message', async () =>
    /Enter requests/.test((await message.textContent()) ?? ''),
  );

  await setRate(page, '0', 'click');
  await waitUntil('the load stopped', async () => /stopped/.test((await message.textContent()) ?? ''));
  clearInterval(burstTrickle);
  const stats = (await (await fetch(new URL('/api/stats', front))).json()) as { rps: { asked: number } };
  assert.equal(stats.rps.asked, 0);

  const host = new URL(front).host;
  const elsewhere = requests.filter((url) => !url.startsWith('data:') && new URL(url).host !== host);
  assert.deepEqual(elsewhere, [], 'the page asked only its own frontend');
  assert.ok(requests.includes(`ws://${host}/ws`), 'the page opened the websocket');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a result is shown as text, never interpreted as HTML', async () => {
  const { page, errors } = await openPage();
  const redis = new Redis(redisServer?.url ?? '');
  try {
    const attack = '<img src=x onerror="window.__pwned=1">';
    const burstAttack = 'bursty-<script>window.__pwned=2</script><b>bold</b>';
    await redis.publish(CALCULATION_CHANNEL, attack);
    await redis.publish(CALCULATION_CHANNEL, burstAttack);

    await waitUntil('the attack shown as text', async () => {
      const texts = await page.locator('#results > li.result .hash').allTextContents();
      return texts.includes(attack) && texts.includes(burstAttack);
    });
    // Give a wrongly parsed <img> time to fail loading and run its handler.
    await sleep(1000);
    assert.equal(await page.evaluate('typeof window.__pwned'), 'undefined');
    assert.equal(await page.locator('#results img, #results script, #results b').count(), 0);
    assert.equal(await page.locator('#results > li.result.burst', { hasText: '<b>bold</b>' }).count(), 1);
    assert.deepEqual(errors, []);
  } finally {
    redis.disconnect();
    await page.close();
  }
});

test('the list keeps the newest 200 results, newest first', async () => {
  const { page, errors } = await openPage();
  const redis = new Redis(redisServer?.url ?? '');
  try {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 600; i++)
      pipeline.publish(CALCULATION_CHANNEL, `flood-${String(i).padStart(3, '0')}`);
    await pipeline.exec();
    await waitUntil('the newest result on top', async () => {
      return (await page.locator('#results > li.result .hash').first().textContent()) === 'flood-599';
    });
    // Let any later batch land, then count.
    await sleep(500);
    const texts = await page.locator('#results > li.result .hash').allTextContents();
    assert.equal(texts.length, 200);
    const floods = texts.filter((t) => t.startsWith('flood-'));
    assert.deepEqual(floods, [...floods].sort().reverse(), 'newest first');
    assert.equal(floods[0], 'flood-599');
    assert.equal(await page.locator('#results-count').textContent(), '200 shown');
    assert.deepEqual(errors, []);
  } finally {
    redis.disconnect();
    await page.close();
  }
});

test('the routing panel shows the weights, the override and the decisions as kubectl changes them', async () => {
  const { page, errors } = await openPage();
  assert.ok(kubectl, 'kubectl on the control plane');
  const text = async (id: string) => (await page.locator(`#${id}`).textContent()) ?? '';
  await waitUntil('the Kubernetes API live', async () => (await text('routing-api-text')) === 'live');
  assert.equal(await text('routing-target'), `default/${SeedVs}`);
  await waitUntil('100/0', async () => (await figure(page, 'routing-weight-primary')) === 100);
  assert.equal(await figure(page, 'routing-weight-burst'), 0);
  assert.match(await text('routing-override-title'), /No override/);

  await kubectl.ok([
    'patch',
    'virtualservice',
    SeedVs,
    '--type=json',
    '-p',
    JSON.stringify(weightsPatch(70, 30)),
  ]);
  await waitUntil('70/30', async () => (await figure(page, 'routing-weight-primary')) === 70);
  assert.equal(await figure(page, 'routing-weight-burst'), 30);

  // Reasons are people's text: shown as text, never as markup.
  const overrideReason = 'launch day <img src=x onerror="window.__pwned=1">';
  const autoReason = 'rate 20.4 req/s above 15 <b>bold</b>';
  const at = (offsetS: number) => new Date(Date.now() + offsetS * 1000).toISOString();
  const auto = {
    id: 'auto-1',
    kind: 'auto',
    issuedAt: at(-120),
    weights: { primary: 0, burst: 100 },
    reason: autoReason,
    appliedAt: at(-119),
  };
  const override = {
    id: 'op-1',
    kind: 'override',
    issuedAt: at(-10),
    weights: { primary: 70, burst: 30 },
    reason: overrideReason,
    appliedAt: at(-9),
  };
  await kubectl.ok(
    annotateArgs(SeedVs, {
      [Annotation.LastApplied]: override,
      [Annotation.History]: [override, auto],
      [Annotation.Override]: {
        weights: override.weights,
        until: at(1800),
        reason: overrideReason,
        id: 'op-1',
      },
    }),
  );
  await waitUntil(
    'the override reason',
    async () => (await text('routing-override-reason')) === overrideReason,
  );
  assert.equal(await page.locator('#routing-override').getAttribute('data-active'), 'true');
  assert.match(await text('routing-override-title'), /primary 70 % · burst 30 %/);
  assert.match(await text('routing-override-detail'), /until .* left/);
  await waitUntil('two decisions', async () => (await page.locator('#routing-decisions > li').count()) === 2);
  assert.deepEqual(await page.locator('#routing-decisions .reason').allTextContents(), [
    overrideReason,
    autoReason,
  ]);
  assert.deepEqual(await page.locator('#routing-decisions .kind').allTextContents(), ['override', 'auto']);
  assert.equal(await page.locator('#routing img, #routing b').count(), 0);
  // The achieved results by cluster are there next to the weights (no load now: 0 per second).
  assert.ok(Number.isFinite(await figure(page, 'routing-results-primary')), 'primary results per second');
  assert.ok(Number.isFinite(await figure(page, 'routing-results-burst')), 'burst results per second');
  assert.ok(await page.locator('#routing .routing-split').isVisible());

  await mkdir(new URL('.', ROUTING_SCREENSHOT), { recursive: true });
  await page.locator('#routing').screenshot({ path: fileURLToPath(ROUTING_SCREENSHOT) });

  // The API goes away: the panel keeps the state and says it is stale.
  await controlPlane?.close();
  await waitUntil('stale', async () => (await text('routing-api-text')) === 'stale');
  assert.match(await text('routing-stale'), /has not answered since .*last known state/);
  assert.equal(await figure(page, 'routing-weight-primary'), 70);
  assert.equal(await page.evaluate('typeof window.__pwned'), 'undefined');
  assert.deepEqual(errors, []);
  await page.close();
});
