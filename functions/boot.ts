/**
 * Start-up of a function module. Cloud Run functions set FUNCTION_TARGET to the entry point an instance
 * serves: that function reads its configuration at start-up, and a bad value stops the process (exit 2)
 * with a message naming it; the other modules (imported by functions/index.ts too) wait for a first call.
 */
import { ConfigError } from '../core/errors.js';
import { createLogger, isLogLevel, type Logger, type LogLevel } from '../core/logger.js';

/** A logger for what happens before the configuration is read: LOG_LEVEL if it is valid, else info. */
export function bootLogger(service: string): Logger {
  const wanted = process.env['LOG_LEVEL'] ?? '';
  const level: LogLevel = isLogLevel(wanted) ? wanted : 'info';
  return createLogger({ service, level });
}

/** When this process serves `entryPoint`, runs `load` now and exits 2 with its message if it throws. */
export function loadAtStartWhenServed(entryPoint: string, load: () => unknown, logger: Logger): void {
  if (process.env['FUNCTION_TARGET'] !== entryPoint) return;
  try {
    load();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof ConfigError) logger.fatal({ code: err.code, problems: err.problems }, message);
    else logger.fatal({ code: 'CONFIG_INVALID' }, message);
    process.exit(2);
  }
}
