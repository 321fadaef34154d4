/**
 * The command line and the run of a function bench (`npm run bench:decider`, `npm run bench:applier`):
 * `--json`, `--no-build`, `--help` and counts from the environment, checked before anything starts; dist/
 * built when it is older than the source; the report printed as a table or as one JSON object (progress
 * on stderr); exit 0, 1 when the counts do not match (a miscount makes the figures meaningless, a slow
 * figure does not), 2 on a usage error; everything deferred stopped at the end, on error and on Ctrl-C.
 */
import { cleanup, installSignalHandlers, isStopping } from './cleanup.js';
import { ensureBuilt } from './built-code.js';

/** Counts a bench reads from its environment: name → [variable, default]. */
export type CountVariables = Readonly<Record<string, readonly [variable: string, fallback: number]>>;

export type Progress = (text: string) => void;

export interface FunctionBench<C extends CountVariables, R> {
  /** `decider`: `npm run bench:decider`. */
  name: string;
  counts: C;
  /** Starts what it needs (deferring its stop), measures, and answers the report. */
  measure(counts: { [K in keyof C]: number }, progress: Progress): Promise<R>;
  formatReport(report: R): string;
  /** What in the report's counts does not match. */
  countsProblems(report: R): string[];
}

class UsageError extends Error {}

const progress: Progress = (text) => void process.stderr.write(`${text}\n`);

function usage({ name, counts }: { name: string; counts: CountVariables }): string {
  const variables = Object.values(counts).map(([variable, fallback]) => `${variable} (default ${fallback})`);
  return `usage: npm run bench:${name} [-- --json] [-- --no-build]
  --json      print one JSON object on stdout (progress goes to stderr)
  --no-build  measure dist/ as it is, even when it is older than the source
environment: ${variables.join(', ')}`;
}

function countFromEnv(name: string, fallback: number): number {
  const raw = process.env[name] ?? String(fallback);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} must be a whole number >= 1 (got ${JSON.stringify(raw)})`);
  return n;
}

async function main<C extends CountVariables, R>(bench: FunctionBench<C, R>): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    process.stdout.write(`${usage(bench)}\n`);
    return 0;
  }
  const unknown = args.filter((a) => a !== '--json' && a !== '--no-build');
  if (unknown.length > 0) throw new UsageError(`unknown argument(s): ${unknown.join(' ')}`);
  const counts = Object.fromEntries(
    Object.entries(bench.counts).map(([key, [variable, fallback]]) => [
      key,
      countFromEnv(variable, fallback),
    ]),
  ) as { [K in keyof C]: number };
  process.env['METADATA_SERVER_DETECTION'] = 'none'; // the GCP libraries must not look for a metadata server
  await ensureBuilt(args.includes('--no-build'), progress);

  const report = await bench.measure(counts, progress);
  process.stdout.write(
    args.includes('--json') ? `${JSON.stringify(report)}\n` : `${bench.formatReport(report)}\n`,
  );
  const problems = bench.countsProblems(report);
  for (const problem of problems) progress(`problem: ${problem}`);
  return problems.length === 0 ? 0 : 1; // a miscount makes the figures meaningless; a slow figure does not
}

/** Runs the bench as the process's program and sets its exit code; call once, at the top level. */
export async function runFunctionBench<C extends CountVariables, R>(
  bench: FunctionBench<C, R>,
): Promise<void> {
  installSignalHandlers();
  try {
    process.exitCode = await main(bench);
  } catch (err) {
    // After Ctrl-C the steps still running fail on what was stopped under them: not worth a message.
    if (!isStopping())
      process.stderr.write(
        `bench:${bench.name} failed: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    if (err instanceof UsageError) process.stderr.write(`${usage(bench)}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  } finally {
    await cleanup();
  }
}
