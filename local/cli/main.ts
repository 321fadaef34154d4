/**
 * The `spillway` command: dispatches to one module per subcommand. Each subcommand module exports
 * `run(args)` and resolves to the process exit code; usage errors exit 2 with a message on stderr.
 */
export interface Subcommand {
  /** One line for `spillway help`. */
  readonly summary: string;
  /** Loads the subcommand lazily, so one command does not pay for the others' imports. */
  readonly load: () => Promise<{ run: (args: string[]) => Promise<number> }>;
}

export const subcommands: Record<string, Subcommand> = {
  up: {
    summary: 'the whole burst loop on this machine (what npm start runs)',
    load: () => import('./up.js'),
  },
  'control-plane': {
    summary: 'the local Kubernetes API for Istio VirtualService and DestinationRule',
    load: () => import('../control-plane/cli.js'),
  },
  mesh: {
    summary: 'the local mesh: weighted proxy for worker-service with Istio metrics',
    load: () => import('../mesh/cli.js'),
  },
  decide: {
    summary: 'one tick of the decider: read the rate, decide, publish (or --dry-run)',
    load: () => import('./decide.js'),
  },
  status: {
    summary: 'the routing: weights, the active override, the last applied decision (--json)',
    load: () => import('./status.js'),
  },
  override: {
    summary: 'take control: burst|primary|split:N|auto [--ttl 30m] [--reason TEXT]',
    load: () => import('./override.js'),
  },
};

export function usage(): string {
  const lines = Object.entries(subcommands).map(
    ([name, command]) => `  ${name.padEnd(16)} ${command.summary}`,
  );
  return [
    'usage: spillway <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'spillway <command> --help shows its options.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = subcommands[name];
  if (command === undefined) {
    process.stderr.write(`spillway: unknown command ${JSON.stringify(name)}\n\n${usage()}\n`);
    return 2;
  }
  const module = await command.load();
  return module.run(args);
}
