/**
 * Durations as operators write them: a sequence of `<integer><unit>` with units `d`, `h`, `m`, `s` in that
 * order, each at most once — `30s`, `30m`, `2h`, `1h30m`, `7d`. No bare numbers (is `30` seconds or
 * minutes?), no fractions, no `ms`.
 */
export const DURATION_PATTERN = '^(?=.)(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?$';
const DURATION = new RegExp(DURATION_PATTERN);
/** The units in the pattern's order, with their length in seconds. */
const UNITS = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
] as const;

export const DURATION_HINT = 'a duration like 30s, 30m, 2h or 1h30m (units d, h, m, s)';

/** The number of seconds `text` names, or why it is not a duration. */
export function parseDuration(text: string): { ok: true; seconds: number } | { ok: false; reason: string } {
  const m = DURATION.exec(text.trim());
  if (m === null) return { ok: false, reason: `must be ${DURATION_HINT} (got ${JSON.stringify(text)})` };
  let seconds = 0;
  UNITS.forEach(([, unit], i) => {
    const part = m[i + 1];
    if (part !== undefined) seconds += Number(part) * unit;
  });
  if (!Number.isSafeInteger(seconds))
    return { ok: false, reason: `is too long (got ${JSON.stringify(text)})` };
  return { ok: true, seconds };
}

/** Seconds → the shortest form `parseDuration` reads back: 5400 → `1h30m`, 0 → `0s`. */
export function formatDuration(totalSeconds: number): string {
  let rest = Math.max(0, Math.floor(totalSeconds));
  if (rest === 0) return '0s';
  let text = '';
  for (const [unit, seconds] of UNITS) {
    const count = Math.floor(rest / seconds);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * seconds;
  }
  return text;
}
