/**
 * What a stopped local stack may have left behind, for the end-to-end test: ports of its description that
 * still accept connections, and processes still alive — from a snapshot of this process's descendants taken
 * while the stack ran, or found in /proc by a command line or working folder that names the stack's folder
 * or one of its ports. Linux only (/proc).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { acceptsConnections } from '../ports.js';
import type { StackFile } from './stack-file.js';

/** Every port the stack's description names (and `extra` URLs, e.g. the control plane's from the kubeconfig). */
export function stackPorts(stack: StackFile, extraUrls: readonly string[] = []): number[] {
  const urls = [
    stack.frontend.url,
    stack.prometheus.url,
    stack.applier.url,
    stack.mesh.url,
    stack.mesh.adminUrl,
    stack.workers.primary,
    stack.workers.burst,
    stack.redis.url,
    ...(stack.decider.url === undefined ? [] : [stack.decider.url]),
    stack.pubsub.mode === 'emulator' ? `http://${stack.pubsub.emulatorHost}` : stack.pubsub.pushEndpoint,
    ...extraUrls,
  ];
  const ports = urls.map((url) => Number(new URL(url).port));
  return [...new Set(ports.filter((p) => Number.isInteger(p) && p > 0))].sort((a, b) => a - b);
}

/** The ports among `ports` on which something accepts connections on 127.0.0.1. */
export async function openPorts(ports: readonly number[]): Promise<number[]> {
  const open = await Promise.all(ports.map(async (port) => ((await acceptsConnections(port)) ? port : 0)));
  return open.filter((port) => port !== 0);
}

interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  /** `Z`: exited, not yet reaped (gone for our purpose). */
  readonly state: string;
  /** `pid@starttime`: one process, even when its pid is used again later. */
  readonly identity: string;
}

function readEntry(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid … starttime(22nd field) …`; comm may hold spaces and parentheses: read after
    // the last `)`, where the 3rd field comes first.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [state = '', ppid = '0'] = fields;
    return { pid, ppid: Number(ppid), state, identity: `${pid}@${fields[19] ?? ''}` };
  } catch {
    return undefined; // gone meanwhile
  }
}

function allProcesses(): ProcessEntry[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readEntry(Number(name)))
    .filter((entry): entry is ProcessEntry => entry !== undefined);
}

/** The identities (`pid@starttime`) of every process now running on the machine. */
export function runningProcesses(): Set<string> {
  return new Set(allProcesses().map((p) => p.identity));
}

/** The identities of every live descendant of `root` (default: this process), children and theirs. */
export function descendants(root: number = process.pid): string[] {
  const children = new Map<number, ProcessEntry[]>();
  for (const p of allProcesses()) {
    if (p.state === 'Z') continue;
    children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  }
  const found: string[] = [];
  const queue = [...(children.get(root) ?? [])];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    found.push(p.identity);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return found;
}

export interface Leftover {
  readonly pid: number;
  readonly commandLine: string;
  readonly why: string;
}

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

function cwdOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}

/** How a command line names a port: `host:PORT`, `--port=PORT`, `--port PORT`, `port PORT`. */
const portPattern = (port: number): RegExp => new RegExp(`(:|port[= ])${port}(?![0-9])`, 'i');

/**
 * The live processes (this one excluded) that are among `remembered` (identities from `descendants`), or
 * whose command line or working folder names `dir`, or whose command line names one of `ports` — those
 * already running before the stack started (`before`, from `runningProcesses`) excepted there, as they
 * cannot be the stack's.
 */
export function leftoverProcesses(options: {
  readonly dir: string;
  readonly ports: readonly number[];
  readonly remembered: Iterable<string>;
  readonly before: ReadonlySet<string>;
}): Leftover[] {
  const remembered = new Set(options.remembered);
  const patterns = options.ports.map((port) => [port, portPattern(port)] as const);
  const found: Leftover[] = [];
  for (const p of allProcesses()) {
    if (p.pid === process.pid || p.state === 'Z') continue;
    const commandLine = commandLineOf(p.pid);
    let why: string | undefined;
    if (remembered.has(p.identity)) why = 'a descendant of the test while the stack ran';
    else if (commandLine.includes(options.dir)) why = `its command line names ${options.dir}`;
    else if (cwdOf(p.pid).startsWith(options.dir)) why = `it runs in ${options.dir}`;
    else if (!options.before.has(p.identity)) {
      const port = patterns.find(([, pattern]) => pattern.test(commandLine))?.[0];
      if (port !== undefined) why = `its command line names port ${port}`;
    }
    if (why !== undefined) found.push({ pid: p.pid, commandLine: commandLine.slice(0, 300), why });
  }
  return found;
}
