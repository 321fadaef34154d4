/**
 * The local control plane: a small stand-in for the Kubernetes API server that serves Istio's
 * `networking.istio.io/v1` VirtualService and DestinationRule to kubectl and @kubernetes/client-node, keeps
 * its state in a directory and writes a kubeconfig there. See docs/control-plane.md.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createLogger, type Logger } from '../../core/logger.js';
import { createApiHandler } from './api-server.js';
import { lockDataDir } from './data-dir-lock.js';
import { writeKubeconfig } from './kubeconfig.js';
import { loadState, saveState, type StoredState } from './persistence.js';
import { Registry } from './registry.js';
import { DefaultSeedFiles, loadSeeds } from './seed.js';
import { ObjectStore } from './store.js';

export interface ControlPlaneOptions {
  /** TCP port on 127.0.0.1; 0 or absent: a free one. */
  readonly port?: number;
  /** Where the state and the kubeconfig live; created when missing. */
  readonly dataDir: string;
  /** YAML files loaded at first start (no state in dataDir yet). Default: the repository's istio/traffic objects. */
  readonly seedFiles?: readonly string[];
  readonly logger?: Logger;
  /** How often a watch that allows bookmarks gets one. Default 10 s. */
  readonly bookmarkIntervalMs?: number;
}

export interface ControlPlane {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** DIR/kubeconfig: cluster and context `spillway-local`, namespace default. */
  readonly kubeconfigPath: string;
  /** Ends the watches and stops listening. Idempotent. */
  close(): Promise<void>;
}

export { DefaultSeedFiles } from './seed.js';

/** The saved state, or a new one from the seed files (saved before anything is served). */
function initialState(dataDir: string, seedFiles: readonly string[], logger: Logger): StoredState {
  const saved = loadState(dataDir);
  if (saved !== undefined) {
    logger.info(
      { dataDir, objects: saved.objects.length, resourceVersion: saved.resourceVersion },
      'state loaded',
    );
    return saved;
  }
  const seeding = new ObjectStore({ resourceVersion: 0, objects: [] }, () => undefined);
  const count = loadSeeds(new Registry(seeding), seedFiles);
  const state = seeding.snapshot();
  saveState(dataDir, state);
  logger.info({ dataDir, seedFiles, objects: count }, 'first start: seed objects loaded');
  return state;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const logger = options.logger ?? createLogger({ service: 'control-plane', level: 'silent' });
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`port must be 0–65535 (got ${port})`);
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const release = lockDataDir(dataDir);
  try {
    const state = initialState(dataDir, options.seedFiles ?? DefaultSeedFiles, logger);
    const store = new ObjectStore(state, (next) => saveState(dataDir, next));
    const registry = new Registry(store, (detail) => logger.info({ detail }, 'JSON patch not applied'));
    let address = '';
    const api = createApiHandler({
      store,
      registry,
      logger,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 10_000,
      serverAddress: () => address,
    });
    const server = createServer((request, response) => api.handle(request, response));
    await new Promise<void>((resolveListen, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', rejectListen);
        resolveListen();
      });
    });
    const actualPort = (server.address() as AddressInfo).port;
    address = `127.0.0.1:${actualPort}`;
    const url = `http://${address}`;
    const kubeconfigPath = writeKubeconfig(dataDir, url);
    logger.info({ url, kubeconfigPath, resourceVersion: store.resourceVersion }, 'control plane listening');

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closing ??= new Promise<void>((done) => {
        api.stopWatches();
        server.close(() => done());
        server.closeAllConnections();
      }).finally(release);
      return closing;
    };
    return { url, port: actualPort, kubeconfigPath, close };
  } catch (err) {
    release();
    throw err;
  }
}
