/** Assertions the bench tests share: a spread's figures, and a bench's answer to bad counts and flags. */
import assert from 'node:assert/strict';
import { runBench } from './run-bench.js';
import type { Spread } from './spread.js';

/** `s` has `n` samples, finite figures, and min ≤ each quantile (in the order given) ≤ max. */
export function assertSpread<Q extends string>(
  name: string,
  s: Spread<Q>,
  n: number,
  quantiles: readonly Q[],
): void {
  assert.equal(s.n, n, `${name}: ${s.n} samples, expected ${n}`);
  const figures = [s.min, ...quantiles.map((q) => s[q]), s.max];
  const keys = ['min', ...quantiles, 'max'];
  figures.forEach((value, i) => assert.ok(Number.isFinite(value), `${name}.${keys[i]} is ${value}`));
  assert.ok(
    figures.every((value, i) => i === 0 || (figures[i - 1] ?? NaN) <= value),
    `${name} is not ordered`,
  );
}

/**
 * `bench/<script>` exits 2 for each case (arguments, environment, the reason it must print) with the reason
 * and the usage on stderr and nothing on stdout; `--help` exits 0 with the usage, which lists `variables`.
 */
export async function assertUsageErrors(
  script: string,
  cases: readonly (readonly [args: readonly string[], env: Record<string, string>, reason: RegExp])[],
  variables: RegExp,
): Promise<void> {
  const usage = new RegExp(`usage: npm run bench:${script.replace(/\.ts$/, '')}`);
  for (const [args, env, reason] of cases) {
    const { code, stdout, stderr } = await runBench(script, [...args], env);
    assert.equal(code, 2, stderr);
    assert.match(stderr, reason);
    assert.match(stderr, usage);
    assert.equal(stdout, '');
  }
  const help = await runBench(script, ['--help'], {});
  assert.equal(help.code, 0);
  assert.match(help.stdout, variables);
}
