/**
 * What a bench started is stopped at the end, on error and on Ctrl-C: `defer` each stopper as the thing
 * starts, call `cleanup()` in a `finally`, and `installSignalHandlers()` once.
 */
const stoppers: (() => Promise<unknown>)[] = [];

export function defer(stop: () => Promise<unknown>): void {
  stoppers.push(stop);
}

/** Runs the stoppers, last started first; one failing does not keep the others from running. */
export async function cleanup(): Promise<void> {
  for (let stop = stoppers.pop(); stop; stop = stoppers.pop()) await stop().catch(() => undefined);
}

/** SIGINT/SIGTERM stop everything, then exit 130/143; a second signal exits at once (children are killed
 * when this process exits). */
let stopping = false;

/** Whether a signal is stopping the bench (steps still running then fail on what was stopped under them). */
export function isStopping(): boolean {
  return stopping;
}

export function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      const code = signal === 'SIGINT' ? 130 : 143;
      if (stopping) process.exit(code);
      stopping = true;
      process.stderr.write(`\n${signal}: stopping what the bench started\n`);
      void cleanup().finally(() => process.exit(code));
    });
  }
}

/**
 * Runs `main` as the process's program: its answer is the exit code; a throw prints `bench:NAME failed: …`
 * and exits 1; everything deferred is stopped at the end, on error and on Ctrl-C. Call once, at the top level.
 */
export async function runBenchProgram(name: string, main: () => Promise<number>): Promise<void> {
  installSignalHandlers();
  try {
    process.exitCode = await main();
  } catch (err) {
    process.stderr.write(`bench:${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}
