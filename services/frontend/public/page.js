/**
 * The String Hashr page: finds its elements, sets up the rate form, the routing panel, the chart and the list
 * of results, and shows what the live feed sends (results, figures, the routing). Plain ES modules, no build
 * step; the page loads nothing from anywhere but the frontend that served it.
 */
import { createChart } from './chart.js';
import { connectFeed } from './feed.js';
import { countFormat, formatRate, isNumber, setFigure } from './format.js';
import { createRateForm } from './rate-form.js';
import { createResultsList } from './results-list.js';
import { createRoutingPanel } from './routing-panel.js';

const $ = (id) => document.getElementById(id);
const el = {
  asked: $('asked-rps'),
  achieved: $('achieved-rps'),
  primary: $('primary-rps'),
  burst: $('burst-rps'),
  sent: $('requests-sent'),
  ok: $('requests-ok'),
  error: $('requests-error'),
  dropped: $('requests-dropped'),
  inFlight: $('requests-in-flight'),
  windowSeconds: $('window-seconds'),
  connection: $('connection'),
  connectionState: $('connection-state'),
  redis: $('redis'),
  redisState: $('redis-state'),
};

const rateForm = createRateForm({
  form: $('rate-form'),
  input: $('rate-input'),
  submit: $('rate-submit'),
  message: $('rate-message'),
  maxRate: $('max-rate'),
  asked: el.asked,
});
const chart = createChart($('chart'));
const routing = createRoutingPanel({
  panel: $('routing'),
  target: $('routing-target'),
  route: $('routing-route'),
  apiState: $('routing-api'),
  apiText: $('routing-api-text'),
  message: $('routing-message'),
  stale: $('routing-stale'),
  bar: $('routing-bar'),
  barPrimary: $('routing-bar-primary'),
  barBurst: $('routing-bar-burst'),
  weightPrimary: $('routing-weight-primary'),
  weightBurst: $('routing-weight-burst'),
  resultsPrimary: $('routing-results-primary'),
  resultsBurst: $('routing-results-burst'),
  sharePrimary: $('routing-share-primary'),
  shareBurst: $('routing-share-burst'),
  override: $('routing-override'),
  overrideTitle: $('routing-override-title'),
  overrideDetail: $('routing-override-detail'),
  overrideReason: $('routing-override-reason'),
  decisions: $('routing-decisions'),
  notes: $('routing-notes'),
});
const results = createResultsList({
  list: $('results'),
  count: $('results-count'),
  pause: $('results-pause'),
});

/** A status pill: its state (`ok`, `warn`, `error`: the colour) and its text. */
function setState(container, node, state, text) {
  if (container.dataset.state !== state) container.dataset.state = state;
  if (node.textContent !== text) node.textContent = text;
}

/** The figures, the Redis state, the rate form's limits and the chart, from the frontend's stats. */
function applyStats(stats) {
  if (!stats || typeof stats !== 'object') return;
  const rps = stats.rps ?? {};
  setFigure(el.asked, rps.asked, formatRate);
  setFigure(el.achieved, rps.achieved, formatRate);

  const counts = stats.results ?? {};
  const seconds = isNumber(counts.windowSeconds) && counts.windowSeconds > 0 ? counts.windowSeconds : NaN;
  setFigure(el.primary, counts.primary / seconds, formatRate);
  setFigure(el.burst, counts.burst / seconds, formatRate);
  if (isNumber(seconds)) setFigure(el.windowSeconds, seconds, String);
  routing.setResults(counts);

  const requests = stats.requests ?? {};
  const total = requests.total ?? {};
  setFigure(el.sent, total.sent, countFormat.format);
  setFigure(el.ok, total.ok, countFormat.format);
  setFigure(el.error, total.error, countFormat.format);
  setFigure(el.dropped, total.dropped, countFormat.format);
  setFigure(el.inFlight, requests.inFlight, countFormat.format);

  rateForm.setMaxRate(stats.maxRate);
  rateForm.setCurrentRate(rps.asked);

  if (typeof stats.redis === 'string') {
    const state = stats.redis === 'ready' ? 'ok' : stats.redis === 'end' ? 'error' : 'warn';
    setState(el.redisState, el.redis, state, stats.redis);
  }
  if (Array.isArray(stats.history)) chart.setHistory(stats.history);
}

connectFeed({
  onState(state, text) {
    setState(el.connectionState, el.connection, state, text);
    document.body.classList.toggle('stale', state !== 'ok');
  },
  onMessage(message) {
    if (message.type === 'routing') return routing.update(message.routing);
    if (message.type === 'hello') results.clear(); // the hello carries the recent results again
    if (message.type !== 'hello' && message.type !== 'batch') return;
    if (Array.isArray(message.results)) results.add(message.results);
    applyStats(message.stats);
  },
});
