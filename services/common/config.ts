import type { Static, TObject } from 'typebox';
import { ConfigError } from '../../core/errors.js';
import { loadConfig } from '../../core/config/load.js';

/**
 * Runs a start-up check; a ConfigError it throws stops the process with exit code 2 and a message naming
 * the variable (one JSON line for Cloud Logging, or plain text on a terminal).
 */
export function configOrExit<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const line = process.stderr.isTTY
      ? `${err.message}\n`
      : JSON.stringify({
          severity: 'CRITICAL',
          message: err.message,
          code: err.code,
          problems: err.problems,
        }) + '\n';
    process.stderr.write(line);
    process.exit(2);
  }
}

/** Loads a deployable's config from `process.env` once at start; a bad value stops the process (configOrExit). */
export function loadConfigOrExit<S extends TObject>(deployable: string, schema: S): Static<S> {
  return configOrExit(() => loadConfig(deployable, schema, process.env));
}
