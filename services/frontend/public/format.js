/** How the page shows numbers: rates, counts, and a figure that keeps its raw value in `data-value`. */

const rateFormats = [0, 1, 2].map(
  (digits) => new Intl.NumberFormat(undefined, { maximumFractionDigits: digits }),
);

export const countFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export const isNumber = (x) => typeof x === 'number' && Number.isFinite(x);

export const formatRate = (x) => rateFormats[x >= 100 ? 0 : x >= 10 ? 1 : 2].format(x);

/** Sets a figure's text only when it changed (no layout work at 10 updates a second otherwise). */
export function setFigure(node, value, format) {
  const text = isNumber(value) ? format(value) : '–';
  const raw = isNumber(value) ? String(value) : '';
  if (node.textContent !== text) node.textContent = text;
  if (node.dataset.value !== raw) node.dataset.value = raw;
}
