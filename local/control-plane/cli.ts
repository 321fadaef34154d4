/**
 * `spillway control-plane`: runs the local Kubernetes API stand-in until SIGTERM or SIGINT.
 */
import { parseArgs } from 'node:util';
import { createLogger, isLogLevel, LogLevels } from '../../core/logger.js';
import { startControlPlane } from './index.js';

export const usage = `usage: spillway control-plane --data-dir DIR [--port N] [--seed FILE]... [--log-level LEVEL]

Serves the Kubernetes API for Istio's VirtualService and DestinationRule (networking.istio.io/v1) on
127.0.0.1, for kubectl and @kubernetes/client-node. State lives in DIR and survives restarts; DIR/kubeconfig
points at the server.

options:
  --data-dir DIR     where the state and the kubeconfig are kept (created when missing); required
  --port N           TCP port on 127.0.0.1; 0 (the default) picks a free one
  --seed FILE        a YAML file of VirtualServices and DestinationRules to start from when DIR holds no
                     state yet; repeat for several (default: the repository's istio/traffic/ objects)
  --log-level LEVEL  ${LogLevels.join(', ')} (default info)
  -h, --help         this text

See docs/control-plane.md.`;

function usageError(message: string): number {
  process.stderr.write(`spillway control-plane: ${message}\n\n${usage}\n`);
  return 2;
}

export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        seed: { type: 'string', multiple: true },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return usageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const dataDir = values['data-dir'];
  if (dataDir === undefined || dataDir === '') return usageError('--data-dir DIR is required');
  const portText = values.port ?? '0';
  const port = Number(portText);
  if (!/^[0-9]+$/.test(portText) || port > 65535) {
    return usageError(`--port must be a port number from 0 to 65535 (got ${JSON.stringify(portText)})`);
  }
  const level = values['log-level'] ?? 'info';
  if (!isLogLevel(level)) {
    return usageError(`--log-level must be one of ${LogLevels.join(', ')} (got ${JSON.stringify(level)})`);
  }
  const logger = createLogger({
    service: 'control-plane',
    level,
    pretty: process.stdout.isTTY === true,
  });

  let controlPlane;
  try {
    controlPlane = await startControlPlane({
      port,
      dataDir,
      ...(values.seed === undefined ? {} : { seedFiles: values.seed }),
      logger,
    });
  } catch (err) {
    process.stderr.write(`spillway control-plane: cannot start: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(
    [
      `Control plane listening on ${controlPlane.url}`,
      `kubeconfig: ${controlPlane.kubeconfigPath}`,
      `  kubectl --kubeconfig ${controlPlane.kubeconfigPath} get virtualservices,destinationrules`,
      '',
    ].join('\n'),
  );

  const running = controlPlane;
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        process.stderr.write(`spillway control-plane: second ${signal}; exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'stopping');
      void running.close().then(() => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        logger.info('stopped');
        resolveExit(0);
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
