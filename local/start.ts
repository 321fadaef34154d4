/**
 * `npm start`: the whole burst loop on one machine (`spillway up` with its defaults; arguments after `--`
 * are passed on, e.g. `npm start -- --port 8090`). See docs/local.md.
 */
import { run } from './cli/up.js';

process.exitCode = await run(process.argv.slice(2));
