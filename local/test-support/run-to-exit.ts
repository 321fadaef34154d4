import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** What a program wrote until it ended: stdout and stderr apart, and both as they interleaved. */
export interface ProgramRun {
  code: number | null;
  output: string;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (in `cwd`, by default this process's); answers its exit code and everything it wrote. */
export async function runToExit(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<ProgramRun> {
  const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: ProgramRun = { code: null, output: '', stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => {
    run.stdout += c.toString();
    run.output += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    run.stderr += c.toString();
    run.output += c.toString();
  });
  // `close`, not `exit`: the output is complete only once the pipes are closed.
  [run.code] = (await once(child, 'close')) as [number | null];
  return run;
}
