/**
 * The chart of results per second over the last 60 s, primary and burst, drawn on a canvas. It redraws when
 * the history changes (once a second), when its box is resized and when the colour scheme changes, on the
 * next frame and at most 4 times a second. The colours are the page's CSS variables.
 */
import { formatRate, isNumber } from './format.js';

const CHART_SECONDS = 60;

/** 1, 2, 5, 10, 20, 50, … : the smallest such step that fits `max` in `lines` grid lines. */
function niceStep(max, lines) {
  const raw = max / lines;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

/** @param {HTMLCanvasElement} canvas */
export function createChart(canvas) {
  let history = [];
  let historyKey = '';
  let chartQueued = false;
  let lastChartDraw = 0;

  /** `next`: one `{t, primary, burst}` per second, oldest first. */
  function setHistory(next) {
    // The history changes once a second; redraw only then (and on resize or theme change).
    const last = next[next.length - 1];
    const key = last ? `${next.length}:${last.t}:${last.primary}:${last.burst}` : '0';
    if (key === historyKey) return;
    historyKey = key;
    history = next.filter((h) => h && isNumber(h.t));
    queueChart();
  }

  /** Draws on the next frame, at most 4 times a second. */
  function queueChart() {
    if (chartQueued) return;
    chartQueued = true;
    const wait = Math.max(0, 250 - (performance.now() - lastChartDraw));
    setTimeout(() => requestAnimationFrame(drawChart), wait);
  }

  function drawChart() {
    chartQueued = false;
    lastChartDraw = performance.now();
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);

    const css = getComputedStyle(document.documentElement);
    const color = (name) => css.getPropertyValue(name).trim();
    const font = `12px ${getComputedStyle(document.body).fontFamily}`;

    const pad = { left: 44, right: 12, top: 10, bottom: 24 };
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const lastT = history.length ? history[history.length - 1].t : 0;
    const peak = history.reduce((m, h) => Math.max(m, h.primary || 0, h.burst || 0), 0);
    const step = niceStep(Math.max(peak, 4), 4);
    const yMax = Math.max(step * Math.ceil(peak / step), step * 2);
    const x = (t) => pad.left + plotW * (1 - (lastT - t) / (CHART_SECONDS - 1));
    const y = (v) => pad.top + plotH * (1 - v / yMax);

    // Grid and axes.
    ctx.font = font;
    ctx.lineWidth = 1;
    ctx.fillStyle = color('--muted');
    ctx.strokeStyle = color('--grid');
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let v = 0; v <= yMax + 1e-9; v += step) {
      const yy = Math.round(y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(pad.left, yy);
      ctx.lineTo(width - pad.right, yy);
      ctx.stroke();
      ctx.fillText(formatRate(v), pad.left - 8, yy);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const ago of [60, 45, 30, 15, 0]) {
      const xx = pad.left + plotW * (1 - ago / CHART_SECONDS);
      ctx.fillText(
        ago === 0 ? 'now' : `−${ago} s`,
        Math.min(xx, width - pad.right - 12),
        height - pad.bottom + 6,
      );
    }

    const series = [
      { key: 'primary', color: color('--primary'), dash: [] },
      { key: 'burst', color: color('--burst'), dash: [6, 3] },
    ];
    const total = history.reduce((s, h) => s + (h.primary || 0) + (h.burst || 0), 0);
    if (history.length < 2 || total === 0) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillStyle = color('--muted');
      ctx.fillText('No results in the last 60 s', pad.left + plotW / 2, pad.top + plotH / 2 - 10);
    } else {
      for (const s of series) {
        // Area (faint), then the line on top.
        ctx.beginPath();
        history.forEach((h, i) => {
          const px = x(h.t);
          const py = y(h[s.key] || 0);
          if (i === 0) ctx.moveTo(px, py);
          else ctx.lineTo(px, py);
        });
        ctx.setLineDash(s.dash);
        ctx.strokeStyle = s.color;
        ctx.lineWidth = 2;
        ctx.lineJoin = 'round';
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.lineTo(x(history[history.length - 1].t), y(0));
        ctx.lineTo(x(history[0].t), y(0));
        ctx.closePath();
        ctx.globalAlpha = 0.1;
        ctx.fillStyle = s.color;
        ctx.fill();
        ctx.globalAlpha = 1;
      }
    }
    const last = history[history.length - 1];
    canvas.setAttribute(
      'aria-label',
      last
        ? `Results per second over the last 60 seconds; latest second: ${last.primary} primary, ${last.burst} burst.`
        : 'Results per second over the last 60 seconds: no data yet.',
    );
  }

  new ResizeObserver(queueChart).observe(canvas.parentElement);
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', queueChart);
  queueChart();

  return { setHistory };
}
