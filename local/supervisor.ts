import type { ListeningProcess } from './child-process.js';

/** The parts of the local stack, stopped together; a part that exits on its own is reported. */
export interface Supervisor {
  add(name: string, part: ListeningProcess, logFile: string): void;
  /** Stops every part, last added first (services drain before Redis goes); resolves when all exited. */
  stopAll(): Promise<void>;
  /** Called if a part exits while the stack is up. */
  onUnexpectedExit(listener: (name: string, code: number | null, logFile: string) => void): void;
}

export function createSupervisor(): Supervisor {
  const parts: ListeningProcess[] = [];
  let stopping = false;
  let listener: ((name: string, code: number | null, logFile: string) => void) | undefined;
  return {
    add(name, part, logFile) {
      parts.push(part);
      void part.exited.then(() => {
        if (!stopping) listener?.(name, part.process.exitCode, logFile);
      });
    },
    async stopAll() {
      stopping = true;
      for (const part of [...parts].reverse()) await part.stop();
    },
    onUnexpectedExit(l) {
      listener = l;
    },
  };
}
