import { pino, stdTimeFunctions, type Logger, type LoggerOptions } from 'pino';

/** pino level → Cloud Logging `severity`. */
export const severityOf = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
} as const satisfies Record<string, string>;

export const LogLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LogLevels)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LogLevels as readonly string[]).includes(value);
}

export interface LoggerSettings {
  /** The deployable's name, put on every line as `service`. */
  readonly service: string;
  readonly level: LogLevel;
  /** Human-readable output; callers set it only when stdout is a TTY. */
  readonly pretty?: boolean;
  /** Extra fields on every line (e.g. the cluster name). */
  readonly base?: Record<string, string>;
}

/** pino options for Cloud Logging structured JSON: `severity`, `message`, `time` (RFC 3339). */
export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  return {
    level: settings.level,
    messageKey: 'message',
    errorKey: 'error',
    base: { service: settings.service, ...settings.base },
    timestamp: stdTimeFunctions.isoTime,
    ...(settings.pretty
      ? {
          // On a terminal: pino-pretty's coloured level labels instead of Cloud Logging's `severity`.
          transport: {
            target: 'pino-pretty',
            options: {
              messageKey: 'message',
              ignore: 'pid,hostname,service',
              translateTime: 'SYS:HH:MM:ss.l',
            },
          },
        }
      : {
          formatters: {
            level: (label: string) => ({
              severity: severityOf[label as keyof typeof severityOf] ?? 'DEFAULT',
            }),
          },
        }),
  };
}

export function createLogger(settings: LoggerSettings): Logger {
  return pino(loggerOptions(settings));
}

export type { Logger };
