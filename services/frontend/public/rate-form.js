/**
 * The rate form: POST /api/rate with the number typed in, and a message saying what happened. The range
 * checks are the server's: it answers with a message naming the limits.
 */
import { countFormat, formatRate, isNumber, setFigure } from './format.js';

/**
 * @param {{ form: HTMLFormElement, input: HTMLInputElement, submit: HTMLButtonElement,
 *   message: HTMLElement, maxRate: HTMLElement, asked: HTMLElement }} el
 */
export function createRateForm(el) {
  let submitting = false;
  let rateInitialised = false;

  function showMessage(kind, text) {
    el.message.className = `message ${kind}`;
    el.message.textContent = text;
    el.input.setAttribute('aria-invalid', kind === 'error' ? 'true' : 'false');
  }

  el.form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submitting) return;
    const raw = el.input.value.trim();
    if (raw === '') {
      showMessage(
        'error',
        el.input.validity.badInput
          ? 'That is not a number. Enter requests per second, for example 10 (0 stops the load).'
          : 'Enter requests per second, for example 10 (0 stops the load).',
      );
      el.input.focus();
      return;
    }
    const rps = Number(raw);
    if (!Number.isFinite(rps)) {
      showMessage('error', `“${raw}” is not a number. Enter requests per second, for example 10.`);
      el.input.focus();
      return;
    }
    submitting = true;
    el.submit.disabled = true;
    try {
      const response = await fetch('/api/rate', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ rps }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = await response.json().catch(() => null);
      if (response.ok) {
        const asked = isNumber(body?.rps?.asked) ? body.rps.asked : rps;
        setFigure(el.asked, asked, formatRate);
        showMessage(
          'ok',
          asked === 0 ? 'Load stopped (0 req/s).' : `Rate set to ${formatRate(asked)} req/s.`,
        );
      } else {
        const reason =
          typeof body?.error?.message === 'string'
            ? body.error.message
            : `the frontend answered ${response.status} ${response.statusText}`.trim();
        showMessage('error', `Rate not set: ${reason}`);
        el.input.focus();
      }
    } catch (err) {
      const reason = err?.name === 'TimeoutError' ? 'no answer within 10 s' : 'the frontend is unreachable';
      showMessage('error', `Rate not set: ${reason}. Try again.`);
    } finally {
      submitting = false;
      el.submit.disabled = false;
    }
  });

  return {
    /** The frontend's MAX_RATE, in the hint and as the input's maximum. */
    setMaxRate(maxRate) {
      if (!isNumber(maxRate)) return;
      setFigure(el.maxRate, maxRate, countFormat.format);
      if (el.input.max !== String(maxRate)) el.input.max = String(maxRate);
    },
    /** Starts the input at the current rate, once, unless the user is already typing in it. */
    setCurrentRate(asked) {
      if (rateInitialised || !isNumber(asked)) return;
      rateInitialised = true;
      if (el.input.value === '' && document.activeElement !== el.input) el.input.value = String(asked);
    },
  };
}
