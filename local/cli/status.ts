/**
 * `spillway status [--json] [--dir DIR] [--kubeconfig FILE [--context NAME]] [--namespace NS]
 * [--virtual-service NAME]`: what the VirtualService says of Spillway — the managed route's weights, the
 * override in force, the last applied decision — read from the running local stack's cluster (its stack
 * file), or from any cluster with `--kubeconfig`. Exit 0 when it could read it, 1 when not, 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import type { Target } from '../../core/decision/message.js';
import { DEFAULT_STACK_DIR, readStackFile, StackFileError, type StackFile } from '../stack/stack-file.js';
import { processIo, type CliIo } from './cli-io.js';
import { readVirtualService } from './kube-read.js';
import { CODELAB_TARGET, resolveTarget } from './operator-target.js';
import { formatRoutingStatus, labelledLine, routingStatus, type RoutingStatus } from './routing-status.js';

export const USAGE = `usage: spillway status [--json] [--dir DIR] [--kubeconfig FILE [--context NAME]]
                       [--namespace NS] [--virtual-service NAME]

Shows the routing of a VirtualService as Spillway left it: the managed route's weights, the override in
force (with its expiry), the last applied decision and its reason.

options:
  --json                  print one JSON object instead (its fields: docs/local.md)
  --dir DIR               the running local stack's folder (default ${DEFAULT_STACK_DIR}): its stack.json
                          names the kubeconfig, the namespace and the VirtualService
  --kubeconfig FILE       read from the cluster of this kubeconfig instead (e.g. GKE); no local stack needed
  --context NAME          with --kubeconfig: the context to use (default: the file's current context)
  --namespace NS          the VirtualService's namespace (default: the stack's, else default)
  --virtual-service NAME  the VirtualService (default: the stack's, else worker-virtual-service)
  -h, --help              this text

Exit status: 0 shown, 1 no stack running / cluster unreachable / no such VirtualService, 2 bad usage.`;

type Flags = {
  json?: boolean;
  dir?: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  'virtual-service'?: string;
  help?: boolean;
};

/** The JSON `status --json` prints. */
export type StatusJson = RoutingStatus & {
  kubeconfig: string;
  context: string;
  server: string;
  prometheus?: { url: string };
  pubsub?: { mode: 'emulator' | 'direct'; emulatorHost: string | null; projectId: string; topic: string };
  frontend?: { url: string };
};

function stackFields(stack: StackFile): Pick<StatusJson, 'prometheus' | 'pubsub' | 'frontend'> {
  const { pubsub } = stack;
  return {
    prometheus: { url: stack.prometheus.url },
    pubsub: {
      mode: pubsub.mode,
      emulatorHost: pubsub.mode === 'emulator' ? pubsub.emulatorHost : null,
      projectId: pubsub.projectId,
      topic: pubsub.topic,
    },
    frontend: { url: stack.frontend.url },
  };
}

export async function run(args: string[], io: CliIo = processIo()): Promise<number> {
  const usageError = (message: string): number => {
    io.stderr(`spillway status: ${message}\n\n${USAGE}\n`);
    return 2;
  };
  const failure = (message: string): number => {
    io.stderr(`spillway status: ${message}\n`);
    return 1;
  };

  let flags: Flags;
  try {
    ({ values: flags } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        json: { type: 'boolean' },
        dir: { type: 'string' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        namespace: { type: 'string' },
        'virtual-service': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return usageError((err as Error).message);
  }
  if (flags.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  for (const name of ['dir', 'kubeconfig', 'context', 'namespace', 'virtual-service'] as const)
    if (flags[name] === '') return usageError(`--${name} needs a value`);
  if (flags.context !== undefined && flags.kubeconfig === undefined)
    return usageError('--context applies to --kubeconfig (the local stack has one context)');
  if (flags.kubeconfig !== undefined && flags.dir !== undefined)
    return usageError('--dir and --kubeconfig exclude each other: the local stack, or another cluster');

  let stack: StackFile | undefined;
  let kubeconfig: string;
  let fallback: Readonly<Target> = CODELAB_TARGET;
  let from = 'the default';
  if (flags.kubeconfig !== undefined) kubeconfig = flags.kubeconfig;
  else {
    try {
      stack = await readStackFile(flags.dir ?? DEFAULT_STACK_DIR);
    } catch (err) {
      if (err instanceof StackFileError)
        return failure(`${err.message} (or read another cluster with --kubeconfig FILE)`);
      throw err;
    }
    kubeconfig = stack.kubeconfig;
    fallback = { namespace: stack.namespace, virtualService: stack.virtualService };
    from = 'the stack file';
  }
  const target = resolveTarget(
    { namespace: flags.namespace, virtualService: flags['virtual-service'] },
    fallback,
    from,
  );
  if (!target.ok)
    return flags.namespace !== undefined || flags['virtual-service'] !== undefined
      ? usageError(target.reason)
      : failure(target.reason);

  const read = await readVirtualService(kubeconfig, flags.context, target.target);
  if (!read.ok) return failure(read.reason);
  const now = new Date();
  const status = routingStatus(target.target, read.object, now);

  if (flags.json) {
    const json: StatusJson = {
      ...status,
      kubeconfig,
      context: read.context,
      server: read.server,
      ...(stack === undefined ? {} : stackFields(stack)),
    };
    io.stdout(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  const lines = formatRoutingStatus(status, now);
  if (stack !== undefined) lines.push(labelledLine('page', stack.frontend.url));
  else lines.push(labelledLine('cluster', `${read.server} (context ${read.context})`));
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}
