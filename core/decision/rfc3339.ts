/**
 * Strict RFC 3339 date-times: `2026-11-26T10:00:00Z`, `2026-11-26T11:00:00.250+01:00`. A `T` (or `t`)
 * between date and time, an explicit offset (`Z` or ±hh:mm), a real calendar date, years 1970–9999.
 * Leap seconds (`:60`) are refused: JavaScript dates cannot hold them.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** The instant `text` names, or undefined when it is not a strict RFC 3339 date-time. */
export function parseRfc3339(text: string): Date | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1970 || month < 1 || month > 12) return undefined;
  const monthDays = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millis = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return new Date(utc);
}

/** `Date` → RFC 3339 in UTC with milliseconds (`toISOString`), the form Spillway writes. */
export function formatRfc3339(date: Date): string {
  return date.toISOString();
}

/** The explanation used in error reasons. */
export const RFC3339_HINT = 'an RFC 3339 date-time like 2026-11-26T10:00:00Z';
