/**
 * The routing panel: the VirtualService's weights, the override, the last decisions with their reasons and
 * the results per second each cluster achieved, from the `routing` messages of the live feed (the view of
 * GET /api/routing) and the figures of its batches. Reasons are people's text: everything is set with
 * textContent, never parsed as markup. Countdowns and ages tick once a second on the server's clock (the
 * view's `now` gives the offset), so a skewed browser clock does not shift them.
 */
import { formatRate, isNumber, setFigure } from './format.js';

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** A time of day, with the date when it is not today. */
function formatTime(ms) {
  const date = new Date(ms);
  return date.toDateString() === new Date().toDateString()
    ? timeFormat.format(date)
    : dateTimeFormat.format(date);
}

/** `42 s`, `29 min 41 s`, `2 h 5 min`. */
function formatDuration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const formatWeights = (w) => `primary ${w.primary} % · burst ${w.burst} %`;

const isWeights = (w) => w && typeof w === 'object' && isNumber(w.primary) && isNumber(w.burst);

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** What the API pill says and its colour, by `api.state`. */
const API_STATES = {
  live: ['ok', 'live'],
  connecting: ['warn', 'connecting…'],
  stale: ['error', 'stale'],
  unavailable: ['off', 'not available'],
};

/** @param {Record<string, HTMLElement>} el the panel's elements (see page.js) */
export function createRoutingPanel(el) {
  let view = null;
  /** Server time minus browser time, from the last view. */
  let offsetMs = 0;
  let results = null;

  const serverNow = () => Date.now() + offsetMs;

  /** One decision: kind, weights, reason, when it was issued and applied. */
  function decisionItem(d) {
    const li = document.createElement('li');
    li.className = 'decision';
    li.dataset.kind = String(d.kind);
    const head = document.createElement('div');
    head.className = 'decision-head';
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = String(d.kind);
    const weights = document.createElement('span');
    weights.className = 'weights';
    weights.textContent = isWeights(d.weights) ? formatWeights(d.weights) : '–';
    const when = document.createElement('time');
    const applied = Date.parse(d.appliedAt);
    const issued = Date.parse(d.issuedAt);
    when.dateTime = String(d.appliedAt);
    when.textContent = isNumber(applied) ? formatTime(applied) : '–';
    when.title = `issued ${isNumber(issued) ? formatTime(issued) : '?'} · applied ${isNumber(applied) ? formatTime(applied) : '?'}`;
    head.append(kind, weights, when);
    const reason = document.createElement('p');
    reason.className = 'reason';
    reason.textContent = typeof d.reason === 'string' && d.reason !== '' ? d.reason : '(no reason given)';
    li.append(head, reason);
    return li;
  }

  function renderWeights(weights) {
    const w = isWeights(weights) ? weights : null;
    setFigure(el.weightPrimary, w?.primary, String);
    setFigure(el.weightBurst, w?.burst, String);
    // CSSOM, not a style attribute: allowed by the page's policy (style-src 'self').
    el.barPrimary.style.flexGrow = String(w ? w.primary : 0);
    el.barBurst.style.flexGrow = String(w ? w.burst : 0);
    el.bar.setAttribute('aria-label', w ? formatWeights(w) : 'weights unknown');
  }

  function renderResults() {
    const seconds =
      isNumber(results?.windowSeconds) && results.windowSeconds > 0 ? results.windowSeconds : NaN;
    const primary = results?.primary / seconds;
    const burst = results?.burst / seconds;
    setFigure(el.resultsPrimary, primary, formatRate);
    setFigure(el.resultsBurst, burst, formatRate);
    const total = primary + burst;
    const share = (x) => (isNumber(total) && total > 0 ? `${Math.round((100 * x) / total)} %` : '–');
    setText(el.sharePrimary, share(primary));
    setText(el.shareBurst, share(burst));
  }

  function renderOverride() {
    const o = view?.override;
    if (!o || !isWeights(o.weights)) {
      el.override.dataset.active = 'false';
      setText(el.overrideTitle, 'No override: automatic decisions apply.');
      setText(el.overrideDetail, '');
      setText(el.overrideReason, '');
      return;
    }
    const until = Date.parse(o.until);
    const active = o.active === true && isNumber(until) && until > serverNow();
    el.override.dataset.active = String(active);
    if (active) {
      setText(el.overrideTitle, `Override: ${formatWeights(o.weights)}`);
      setText(el.overrideDetail, `until ${formatTime(until)} · ${formatDuration(until - serverNow())} left`);
    } else {
      setText(el.overrideTitle, 'No override: automatic decisions apply.');
      setText(
        el.overrideDetail,
        `The last override (${formatWeights(o.weights)}) expired at ${formatTime(until)}.`,
      );
    }
    setText(el.overrideReason, typeof o.reason === 'string' ? o.reason : '');
  }

  function renderApi() {
    const api = view?.api ?? { state: 'connecting' };
    const [state, text] = API_STATES[api.state] ?? API_STATES.connecting;
    el.apiState.dataset.state = state;
    setText(el.apiText, text);
    el.apiState.title = typeof api.reason === 'string' ? api.reason : '';
    const since = Date.parse(api.since);
    let stale = '';
    if (api.state === 'stale' && isNumber(since))
      stale =
        `The Kubernetes API has not answered since ${formatTime(since)} (${formatDuration(serverNow() - since)}): ` +
        `this is the last known state.${typeof api.reason === 'string' ? ` (${api.reason})` : ''}`;
    setText(el.stale, stale);
    el.stale.hidden = stale === '';
  }

  function renderDecisions() {
    const decisions = Array.isArray(view?.decisions)
      ? view.decisions.filter((d) => d && typeof d === 'object')
      : [];
    el.decisions.replaceChildren(...decisions.map(decisionItem));
  }

  function renderNotes() {
    const notes = Array.isArray(view?.notes) ? view.notes.filter((n) => typeof n === 'string') : [];
    el.notes.replaceChildren(
      ...notes.map((n) => {
        const li = document.createElement('li');
        li.textContent = n;
        return li;
      }),
    );
  }

  /** A new view from the server. */
  function update(next) {
    if (!next || typeof next !== 'object') return;
    view = next;
    const now = Date.parse(next.now);
    if (isNumber(now)) offsetMs = now - Date.now();
    const target = next.target ?? {};
    setText(el.target, `${target.namespace ?? '?'}/${target.virtualService ?? '?'}`);
    el.panel.dataset.status = String(next.status);
    const message = typeof next.message === 'string' ? next.message : '';
    setText(el.message, message);
    el.message.hidden = message === '';
    const route = next.route;
    setText(el.route, route ? `route ${route.name ?? `http[${route.index}]`}` : '');
    renderWeights(next.weights);
    renderOverride();
    renderDecisions();
    renderNotes();
    renderApi();
  }

  /** The results per second by origin, from the feed's stats (`stats.results`). */
  function setResults(counts) {
    if (!counts || typeof counts !== 'object') return;
    results = counts;
    renderResults();
  }

  // Countdown and ages, once a second.
  setInterval(() => {
    if (view === null) return;
    renderOverride();
    renderApi();
  }, 1000);
  renderWeights(null);
  renderResults();

  return { update, setResults };
}
