/**
 * The decider as Cloud Run starts it, for `npm run bench:decider`: `functions-framework --target=decide`
 * on the built code as its own Node process (function-process.ts), and one POST / to it as Cloud Scheduler
 * sends it, answered with its status, body and client-side duration.
 */
import { freePort } from '../../local/ports.js';
import { postOnce } from '../support/post-once.js';
import { startFunctionProcess, type FunctionProcess } from './function-process.js';

export interface CallAnswer {
  status: number;
  body: DeciderAnswer;
  /** performance.now() when the request was sent and when the whole answer had arrived. */
  sentAt: number;
  answeredAt: number;
}

/** The decider's answer (docs/decider.md), the fields the bench reads. */
export interface DeciderAnswer {
  decisions?: {
    target: string;
    tick: number;
    action: string;
    cause: string;
    id?: string;
    published?: boolean;
  }[];
  ticks?: number;
  error?: { code: string; message: string };
}

/** One POST / on a fresh connection, as Cloud Scheduler sends it. */
export async function post(url: string, timeoutMs = 30_000): Promise<CallAnswer> {
  const { status, text, sentAt, answeredAt } = await postOnce(url, { timeoutMs });
  let body: DeciderAnswer;
  try {
    body = JSON.parse(text) as DeciderAnswer;
  } catch {
    body = { error: { code: 'NOT_JSON', message: text.slice(0, 500) } };
  }
  return { status, body, sentAt, answeredAt };
}

/**
 * Spawns the decider (an HTTP function) on a free port with `env` on top of the caller's environment and
 * resolves once the port accepts a connection; see startFunctionProcess.
 */
export async function startDeciderFunction(
  env: Record<string, string>,
  readyTimeoutMs = 60_000,
): Promise<FunctionProcess> {
  return startFunctionProcess({
    name: 'the decider function',
    target: 'decide',
    signatureType: 'http',
    port: await freePort(),
    env,
    readyTimeoutMs,
  });
}
