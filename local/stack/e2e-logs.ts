/**
 * The local stack's logs as data, for the end-to-end test and `npm run bench:reaction`: `<logDir>/<part>.log`
 * holds one JSON object a line (pino, Cloud Logging fields, `time` in RFC 3339); other lines (a program's
 * own output) are skipped.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One log line: `time` in ms since the epoch (NaN without one), and every field as logged. */
export interface LogLine {
  readonly time: number;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** The stack's parts that log JSON lines. */
export type LoggingPart = 'decider' | 'applier' | 'scheduler' | 'frontend' | 'mesh' | 'control-plane';

export function logFile(logDir: string, part: LoggingPart): string {
  return join(logDir, `${part}.log`);
}

/** The JSON lines of `text`, in order. */
export function parseLogLines(text: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.startsWith('{')) continue;
    let fields: unknown;
    try {
      fields = JSON.parse(raw);
    } catch {
      continue;
    }
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) continue;
    const record = fields as Record<string, unknown>;
    const time = record['time'];
    lines.push({
      time: typeof time === 'string' ? Date.parse(time) : typeof time === 'number' ? time : NaN,
      fields: record,
    });
  }
  return lines;
}

/** The JSON lines of `<logDir>/<part>.log` so far; none when the file does not exist yet. */
export async function readLog(logDir: string, part: LoggingPart): Promise<LogLine[]> {
  try {
    return parseLogLines(await readFile(logFile(logDir, part), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The last `n` lines of a log file as text (for a failure message); empty when it cannot be read. */
export async function tailOf(file: string, n = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}
