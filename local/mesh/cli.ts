/**
 * `spillway mesh`: runs the local mesh in the foreground until Ctrl-C (or SIGTERM).
 *
 *   npx spillway mesh --kubeconfig .spillway/control-plane/kubeconfig \
 *     --endpoint http://127.0.0.1:8081,topology.istio.io/cluster=primary,app=worker,workload=worker-deployment \
 *     --endpoint http://127.0.0.1:8082,topology.istio.io/cluster=burst,app=worker,workload=worker-deployment
 */
import { createLogger, isLogLevel, LogLevels, type LogLevel } from '../../core/logger.js';
import { parseEndpointFlag } from './endpoints.js';
import { startMesh, type EndpointSpec, type MeshOptions } from './index.js';

export const DEFAULT_PORT = 15001;
export const DEFAULT_ADMIN_PORT = 15020;

export const usage = `usage: spillway mesh --kubeconfig FILE --endpoint URL,label=value,...[,workload=NAME] [options]

The local stand-in for the Envoy sidecars in front of worker-service: splits requests between the
DestinationRule's subsets by the VirtualService's weights, as the Kubernetes API says, and exports
Istio's standard metrics.

required:
  --kubeconfig FILE          kubeconfig of the Kubernetes API (the local control plane writes one)
  --endpoint SPEC            a worker: its URL, its pod labels and optionally its workload name, e.g.
                             http://127.0.0.1:8081,topology.istio.io/cluster=primary,app=worker,workload=worker-deployment
                             (repeat for each worker)
options:
  --port N                   proxy port (default ${DEFAULT_PORT}; 0 picks a free one)
  --admin-port N             admin port: /stats/prometheus, /metrics, /healthz/ready, /config (default ${DEFAULT_ADMIN_PORT})
  --host ADDRESS             address to listen on (default 127.0.0.1)
  --namespace NS             namespace of the service and its Istio objects (default default)
  --service NAME             the service served (default worker-service)
  --virtual-service NAME     the VirtualService to follow (default worker-virtual-service)
  --destination-rule NAME    the DestinationRule to follow (default: the one whose host is the service)
  --source-workload NAME     source_workload of the metrics (default frontend-deployment)
  --source-app NAME          source_app of the metrics (default frontend)
  --source-cluster NAME      source_cluster of the metrics (default primary)
  --log-level LEVEL          ${LogLevels.join(', ')} (default info)
  --help                     this text`;

export interface MeshCommand {
  readonly options: Omit<MeshOptions, 'logger'>;
  readonly logLevel: LogLevel;
}

const VALUE_FLAGS = [
  'kubeconfig',
  'endpoint',
  'port',
  'admin-port',
  'host',
  'namespace',
  'service',
  'virtual-service',
  'destination-rule',
  'source-workload',
  'source-app',
  'source-cluster',
  'log-level',
] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

function parsePort(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) {
    throw new Error(`${flag} must be a port number from 0 to 65535 (got ${JSON.stringify(text)})`);
  }
  return Number(text);
}

/** Parses the arguments; throws an Error whose message is for the user (exit code 2). `help` for --help. */
export function parseMeshArgs(args: readonly string[]): MeshCommand | 'help' {
  const values = new Map<ValueFlag, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = (eq === -1 ? arg.slice(2) : arg.slice(2, eq)) as ValueFlag;
    if (!VALUE_FLAGS.includes(name))
      throw new Error(`unknown option ${arg.slice(0, eq === -1 ? undefined : eq)}`);
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
      i++;
    }
    if (name !== 'endpoint' && values.has(name)) throw new Error(`--${name} is given twice`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  const one = (name: ValueFlag): string | undefined => values.get(name)?.[0];
  const kubeconfigPath = one('kubeconfig');
  if (kubeconfigPath === undefined || kubeconfigPath === '') throw new Error('--kubeconfig FILE is required');
  const endpointFlags = values.get('endpoint') ?? [];
  if (endpointFlags.length === 0) throw new Error('at least one --endpoint URL,label=value,... is required');
  const endpoints: EndpointSpec[] = endpointFlags.map(parseEndpointFlag);
  const logLevel = one('log-level') ?? 'info';
  if (!isLogLevel(logLevel)) {
    throw new Error(`--log-level must be one of ${LogLevels.join(', ')} (got ${JSON.stringify(logLevel)})`);
  }
  const text = (name: ValueFlag): string | undefined => {
    const value = one(name);
    if (value === '') throw new Error(`--${name} is empty`);
    return value;
  };
  const port = one('port');
  const adminPort = one('admin-port');
  const host = text('host');
  const namespace = text('namespace');
  const service = text('service');
  const virtualService = text('virtual-service');
  const destinationRule = text('destination-rule');
  const source = {
    workload: text('source-workload') ?? 'frontend-deployment',
    app: text('source-app') ?? 'frontend',
    cluster: text('source-cluster') ?? 'primary',
  };
  return {
    logLevel,
    options: {
      kubeconfigPath,
      endpoints,
      source,
      port: port === undefined ? DEFAULT_PORT : parsePort('--port', port),
      adminPort: adminPort === undefined ? DEFAULT_ADMIN_PORT : parsePort('--admin-port', adminPort),
      ...(host === undefined ? {} : { listenHost: host }),
      ...(namespace === undefined ? {} : { namespace }),
      ...(service === undefined ? {} : { host: service }),
      ...(virtualService === undefined ? {} : { virtualService }),
      ...(destinationRule === undefined ? {} : { destinationRule }),
    },
  };
}

export async function run(args: string[]): Promise<number> {
  let command: MeshCommand | 'help';
  try {
    command = parseMeshArgs(args);
  } catch (err) {
    process.stderr.write(`spillway mesh: ${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (command === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const logger = createLogger({ service: 'mesh', level: command.logLevel, pretty: process.stdout.isTTY });
  let mesh;
  try {
    mesh = await startMesh({ ...command.options, logger });
  } catch (err) {
    process.stderr.write(`spillway mesh: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(
    `mesh for ${mesh.describe().service}: proxy ${mesh.url}, metrics ${mesh.adminUrl}stats/prometheus\n`,
  );
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info({ signal }, 'stopping the mesh');
  await mesh.close();
  return 0;
}
