/**
 * The optional loop inside one call: Cloud Scheduler fires at most once a minute, so one call may tick
 * every `pollEvery` during `runFor` for a sub-minute reaction. A tick starts only if, at its worst (the
 * slowest source's timeout plus the publish timeout), it ends `safetyMargin` before the function's timeout.
 */

export interface LoopTiming {
  readonly pollEveryMs: number;
  /** Ticks start during this long after the call began; 0: one tick. */
  readonly runForMs: number;
  /** functionTimeout − safetyMargin: every tick must have ended by then. */
  readonly budgetMs: number;
  /** The longest one tick can take. */
  readonly longestTickMs: number;
}

export interface LoopClock {
  /** Milliseconds on a monotonic-enough clock. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: LoopClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Why the loop ended, for the log line of the call. */
export type LoopEnd = 'run-for-elapsed' | 'no-time-left' | 'stopped';

/**
 * Runs `tick(1)`, `tick(2)`… on a fixed schedule (start + n·pollEvery; a slot a slow tick overran is
 * skipped, never run twice in a row) until `runFor` has elapsed, the next tick could not end within the
 * budget, or a tick answers `stop`. The first tick always runs. Answers the number of ticks and why it ended.
 */
export async function runLoop(
  timing: LoopTiming,
  clock: LoopClock,
  tick: (n: number) => Promise<'continue' | 'stop'>,
): Promise<{ ticks: number; end: LoopEnd }> {
  const start = clock.now();
  let ticks = 0;
  for (;;) {
    const at = clock.now() - start;
    if (ticks > 0 && at + timing.longestTickMs > timing.budgetMs) return { ticks, end: 'no-time-left' };
    ticks += 1;
    if ((await tick(ticks)) === 'stop') return { ticks, end: 'stopped' };
    const elapsed = clock.now() - start;
    const slot = Math.max(ticks, Math.ceil(elapsed / timing.pollEveryMs));
    const next = slot * timing.pollEveryMs;
    if (timing.runForMs <= 0 || next >= timing.runForMs) return { ticks, end: 'run-for-elapsed' };
    if (next + timing.longestTickMs > timing.budgetMs) return { ticks, end: 'no-time-left' };
    await clock.sleep(Math.max(0, next - (clock.now() - start)));
  }
}
