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
