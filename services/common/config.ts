import type { Static, TObject } from 'typebox';
import { ConfigError } from '../../core/errors.js';
import { loadConfig } from '../../core/config/load.js';

/**
 * Loads a deployable's config from `process.env` once at start. A bad value stops the process with a
 * message naming the variable (one JSON line for Cloud Logging, or plain text on a terminal).
 */
export function loadConfigOrExit<S extends TObject>(deployable: string, schema: S): Static<S> {
  try {
    return loadConfig(deployable, schema, process.env);
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
