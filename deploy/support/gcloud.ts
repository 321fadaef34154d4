import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE_PROJECT } from './fake-tools.js';

/**
 * The real gcloud CLI, offline. A configuration directory of its own (no account, no project file, no
 * metadata-server lookup), so it never touches the user's configuration and never reaches the network.
 */
const configDir = mkdtempSync(join(tmpdir(), 'spillway-gcloud-config-'));

const gcloudEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'] ?? '',
  HOME: configDir,
  CLOUDSDK_CONFIG: configDir,
  CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
  CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false',
  CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
  CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
  CLOUDSDK_CORE_PROJECT: FAKE_PROJECT,
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function gcloud(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      'gcloud',
      args,
      { cwd, env: gcloudEnv(), timeout: 60_000, maxBuffer: 8 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof (err as { code?: unknown }).code !== 'number') {
          reject(new Error(`cannot run gcloud ${args.join(' ')}: ${err.message}`));
          return;
        }
        resolve({ code: err ? Number((err as { code: number }).code) : 0, stdout, stderr });
      },
    );
  });
}

const ANSI_STYLE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const stripAnsi = (text: string): string => text.replace(ANSI_STYLE, '');

export interface CommandHelp {
  /** The command as gcloud names it, e.g. `gcloud scheduler jobs create http`. */
  command: string;
  /** Every flag the help lists (`--[no-]x` counts as `--x` and `--no-x`), the gcloud-wide ones included. */
  flags: Set<string>;
}

const helps = new Map<string, Promise<CommandHelp>>();

/** `gcloud <words> --help`, parsed: the command it documents and the flags it lists. */
export function commandHelp(words: string[]): Promise<CommandHelp> {
  const key = words.join(' ');
  let help = helps.get(key);
  if (!help) {
    help = (async () => {
      const { code, stdout, stderr } = await gcloud([...words, '--help'], configDir);
      const text = stripAnsi(stdout);
      const name = /^NAME\n\s+(gcloud[^\n]*?) - /m.exec(text)?.[1];
      if (code !== 0 || name === undefined) {
        throw new Error(`gcloud ${key} --help failed (${code}): ${stripAnsi(stderr).slice(0, 400)}`);
      }
      const flags = new Set<string>();
      for (const match of text.matchAll(/--(\[no-\])?([a-z][a-z0-9-]*)/g)) {
        flags.add(`--${match[2] ?? ''}`);
        if (match[1]) flags.add(`--no-${match[2] ?? ''}`);
      }
      return { command: name, flags };
    })();
    helps.set(key, help);
  }
  return help;
}

/** The words of a gcloud call before its first flag (the command path and positional arguments). */
export const leadingWords = (args: string[]): string[] => {
  const end = args.findIndex((a) => a.startsWith('-'));
  return end === -1 ? args : args.slice(0, end);
};

const NO_ACCOUNT = 'You do not currently have an active account selected';

const parses = new Map<string, Promise<string | undefined>>();

/**
 * Runs the real gcloud with exactly these arguments, offline and without an account: gcloud parses and
 * checks every flag and value (unknown flags, required flags, durations, enumerations, flag files) before
 * it needs credentials, so "no active account" means the call is well-formed. Only commands that change
 * nothing without an account may be passed (a local `config set` succeeds, in this private configuration).
 * Returns undefined when the call is well-formed, else gcloud's complaint. `cwd` is where relative paths
 * (flag files, env files) are read.
 */
export function gcloudRejects(args: string[], cwd: string): Promise<string | undefined> {
  const key = `${cwd}\0${args.join('\0')}`;
  let result = parses.get(key);
  if (!result) {
    result = gcloud(args, cwd).then(({ code, stderr }) => {
      const text = stripAnsi(stderr);
      // Exit 0: a command that needs no account at all (e.g. `config set`), also well-formed.
      if (code === 0 || (code === 1 && text.includes(NO_ACCOUNT))) return undefined;
      return `exit ${code}: ${text.split('\n').slice(0, 3).join(' ').trim()}`;
    });
    parses.set(key, result);
  }
  return result;
}

/** Runs `work` over `items` with at most `limit` at a time (gcloud starts are CPU-heavy). */
export async function inBatches<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
