import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loggerOptions, type Logger } from '../../core/logger.js';

/** A logger whose JSON lines (Cloud Logging shape, as in production) the test can read. */
export function capturingLogger(service: string): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino(loggerOptions({ service, level: 'info' }), sink), lines: () => lines };
}
