/**
 * The environment for a Node child process started from this one: this process's environment with
 * `overrides`, without NODE_TEST_CONTEXT — `node --test` sets it, and a child that inherits it takes itself
 * for a test file and reports to the runner instead of running.
 */
export function childEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...overrides };
  delete env['NODE_TEST_CONTEXT'];
  return env;
}
