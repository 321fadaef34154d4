/**
 * Where a subcommand writes and what environment it reads: the process's by default, a test's own when
 * it calls `run(args, io)` in process (its output captured, its environment its own).
 */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  };
}
