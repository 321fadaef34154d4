/**
 * The list of results, newest first, bounded to the newest MAX_RESULTS. Results arriving in a frame are added
 * together on the next one; while paused they wait (only the newest MAX_RESULTS of them). A result is data:
 * it is shown with textContent, never parsed as markup.
 */

const MAX_RESULTS = 200; // entries kept in the list
const BURST_PREFIX = 'bursty-';

/** One entry: the result, marked `burst` (class and badge) when the burst cluster computed it. */
function entry(text) {
  const li = document.createElement('li');
  const burst = text.startsWith(BURST_PREFIX);
  li.className = burst ? 'result burst' : 'result primary';
  if (burst) {
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = 'burst';
    li.append(badge);
  }
  const hash = document.createElement('span');
  hash.className = 'hash';
  hash.textContent = text; // text only: a result is data, never markup
  hash.title = text;
  li.append(hash);
  return li;
}

/** @param {{ list: HTMLOListElement, count: HTMLElement, pause: HTMLButtonElement }} el */
export function createResultsList(el) {
  /** Results received but not yet shown, newest last; never more than the list holds. */
  let pending = [];
  let renderQueued = false;
  let paused = false;

  /** Adds results (strings; anything else is ignored), oldest first. */
  function add(results) {
    for (const r of results) if (typeof r === 'string') pending.push(r);
    if (pending.length > MAX_RESULTS) pending = pending.slice(-MAX_RESULTS);
    if (!renderQueued && !paused && pending.length > 0) {
      renderQueued = true;
      requestAnimationFrame(render);
    }
  }

  /** Once a frame at most: the pending results go on top (newest first), the oldest go. */
  function render() {
    renderQueued = false;
    if (paused || pending.length === 0) return;
    const batch = pending;
    pending = [];
    const fragment = document.createDocumentFragment();
    for (let i = batch.length - 1; i >= 0; i--) fragment.append(entry(batch[i]));
    const list = el.list;
    if (batch.length >= MAX_RESULTS) list.replaceChildren(fragment);
    else {
      list.prepend(fragment);
      for (let n = list.childElementCount - MAX_RESULTS; n > 0; n--) list.lastElementChild.remove();
    }
    updateCount();
  }

  function updateCount() {
    const shown = el.list.childElementCount;
    const text = paused ? `${shown} shown · paused` : `${shown} shown`;
    if (el.count.textContent !== text) el.count.textContent = text;
  }

  /** Empties the list and drops what is pending. */
  function clear() {
    pending = [];
    el.list.replaceChildren();
    updateCount();
  }

  el.pause.addEventListener('click', () => {
    paused = !paused;
    el.pause.setAttribute('aria-pressed', String(paused));
    el.pause.textContent = paused ? 'Resume' : 'Pause';
    updateCount();
    if (!paused) add([]);
  });
  updateCount();

  return { add, clear };
}
