/**
 * Error types with stable codes. Codes are part of Spillway's interface: HTTP error bodies, log lines and
 * tests refer to them, so they never change meaning once released.
 */
export const ErrorCode = {
  ConfigInvalid: 'CONFIG_INVALID',
  BadRequest: 'BAD_REQUEST',
  InvalidJson: 'INVALID_JSON',
  BodyTooLarge: 'BODY_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  NotFound: 'NOT_FOUND',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  RedisUnavailable: 'REDIS_UNAVAILABLE',
  RateOutOfRange: 'RATE_OUT_OF_RANGE',
  PublishFailed: 'PUBLISH_FAILED',
  Busy: 'BUSY',
  Internal: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The HTTP status each code is answered with. */
export const httpStatusOf: Readonly<Record<ErrorCode, number>> = {
  CONFIG_INVALID: 500,
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REDIS_UNAVAILABLE: 503,
  RATE_OUT_OF_RANGE: 400,
  PUBLISH_FAILED: 503,
  BUSY: 409,
  INTERNAL: 500,
};

export class SpillwayError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SpillwayError';
    this.code = code;
  }
  get httpStatus(): number {
    return httpStatusOf[this.code];
  }
}

/** One invalid configuration variable: its name and what is wrong with it. */
export interface ConfigProblem {
  readonly variable: string;
  readonly problem: string;
}

export class ConfigError extends SpillwayError {
  readonly problems: readonly ConfigProblem[];
  constructor(deployable: string, problems: readonly ConfigProblem[]) {
    super(
      ErrorCode.ConfigInvalid,
      `invalid ${deployable} configuration: ` + problems.map((p) => `${p.variable} ${p.problem}`).join('; '),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The JSON body of every error answer: `{"error": {"code", "message"}}`, never a stack trace. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}
