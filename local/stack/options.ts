/**
 * What `startStack` (local/stack/start-stack.ts) takes and gives: the whole burst loop on one machine —
 * redis-server, Prometheus, the Pub/Sub emulator (or direct push), the control plane, the mesh, two workers,
 * the frontend, the decider and the applier as functions-framework processes, and a scheduler loop that
 * calls the decider.
 */
import type { StackFile } from './stack-file.js';

export interface StackOptions {
  /** The folder of logs and state: `<dir>/logs/*.log`, `<dir>/control-plane/`, `<dir>/stack.json`. */
  readonly dir: string;
  /** The page's port (default 8080; 0 picks a free one). */
  readonly frontendPort?: number;
  /** The page's address (default 0.0.0.0, as a service in a cluster listens). */
  readonly frontendHost?: string;
  /** The decider's PromQL rate window in seconds (default 5). */
  readonly rateWindowSeconds?: number;
  /** Prometheus's scrape interval in seconds (default 1). */
  readonly scrapeIntervalSeconds?: number;
  /** How often the stack calls the decider, as Cloud Scheduler would (default 1 s). */
  readonly decideEverySeconds?: number;
  /** `emulator` (fail when it cannot run), `direct` (no emulator: push requests), `auto` (default: the emulator when it is installed). */
  readonly pubsub?: 'emulator' | 'direct' | 'auto';
  /** Progress lines for a person (default: none). */
  readonly say?: (line: string) => void;
}

export interface Stack {
  /** Everything the stack file holds (URLs, kubeconfig, Pub/Sub). */
  readonly description: StackFile;
  /** Resolves when a part exits on its own (the stack is then broken); with its name and log file. */
  readonly failed: Promise<{ part: string; code: number | null; logFile: string }>;
  /** Stops every part (last started first), the scheduler loop, and removes the stack file. Idempotent. */
  stop(): Promise<void>;
}
