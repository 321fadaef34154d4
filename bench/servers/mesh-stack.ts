/**
 * The processes `npm run bench:mesh` measures, each a child of the bench on free loopback ports: two
 * named upstreams (`primary` and `burst`, answering with their name), the local control plane
 * (`spillway control-plane`, seeded with the repository's VirtualService, all to primary) and the local
 * mesh (`spillway mesh`) in front of the upstreams. The weights are changed as the applier would: through
 * @kubernetes/client-node, with a JSON merge patch of the VirtualService.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Weights } from '../../core/weights.js';
import { startListening, type ListeningProcess } from '../../local/child-process.js';
import { freePort } from '../../local/ports.js';
import { startService } from '../../local/service-process.js';
import { until } from '../../local/test-support/wait.js';
import { childEnv } from '../../local/child-env.js';
import { VirtualServices } from '../../core/istio.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SPILLWAY = join(REPO_ROOT, 'bin', 'spillway.mjs');
const START_TIMEOUT_MS = 30_000;
const VIRTUAL_SERVICE = { ...VirtualServices, namespace: 'default', name: 'worker-virtual-service' };

export type Subset = keyof Weights; // 'primary' | 'burst': the subsets, and the upstreams' names
export const SUBSETS: readonly Subset[] = ['primary', 'burst'];

export interface MeshStack {
  /** `http://127.0.0.1:<port>/` of each upstream, reached directly. */
  readonly upstreamUrls: Readonly<Record<Subset, string>>;
  /** The mesh's proxy port, in front of both upstreams. */
  readonly meshUrl: string;
  readonly meshAdminUrl: string;
  /** Sets the VirtualService's weights with a merge patch; resolves when the API has answered. */
  setWeights(weights: Weights): Promise<void>;
}

/** What the stack started; `track` receives each stopper as soon as its process runs. */
export type Track = (stop: () => Promise<void>) => void;

interface Destination {
  destination?: { subset?: string };
  weight?: number;
}
interface HttpRoute {
  route?: Destination[];
}
interface VirtualServiceSpec {
  http?: HttpRoute[];
}

/**
 * A JSON merge patch (RFC 7386) that sets the weights: a merge patch replaces lists whole, so it carries
 * the VirtualService's whole `http` list as read at start, with only the `weight` of each `primary` and
 * `burst` destination changed.
 */
export function weightsMergePatch(spec: VirtualServiceSpec, weights: Weights): object {
  const http = (spec.http ?? []).map((route) => ({
    ...route,
    route: route.route?.map((d) => {
      const subset = d.destination?.subset;
      return subset === 'primary' || subset === 'burst' ? { ...d, weight: weights[subset] } : d;
    }),
  }));
  return { spec: { http } };
}

function spillwayCommand(name: string, port: number, args: string[]): Promise<ListeningProcess> {
  const env = childEnv({ NODE_ENV: 'production' });
  return startListening({
    name: `spillway ${name}`,
    command: process.execPath,
    args: [SPILLWAY, name, ...args],
    env,
    cwd: REPO_ROOT,
    port,
    readyTimeoutMs: START_TIMEOUT_MS,
  });
}

const origin = (url: string): string => url.replace(/\/$/, '');

async function startUpstream(name: Subset, track: Track): Promise<string> {
  const upstream = await startService(
    'bench/servers/named-upstream.ts',
    { UPSTREAM_NAME: name },
    { readyTimeoutMs: START_TIMEOUT_MS },
  );
  track(() => upstream.stop());
  return upstream.url;
}

export async function startMeshStack(track: Track): Promise<MeshStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spillway-bench-mesh-'));
  track(() => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })));
  const upstreamUrls = {
    primary: await startUpstream('primary', track),
    burst: await startUpstream('burst', track),
  };

  const apiPort = await freePort();
  const controlPlane = await spillwayCommand('control-plane', apiPort, [
    ...['--port', String(apiPort), '--data-dir', dataDir, '--log-level', 'warn'],
  ]);
  track(() => controlPlane.stop());
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  // Written once the API listens, which may be just after the port accepts connections.
  await until(() => existsSync(kubeconfigPath), START_TIMEOUT_MS).catch(() => {
    throw new Error(`the control plane wrote no kubeconfig; its output:\n${controlPlane.output()}`);
  });

  const [meshPort, adminPort] = [await freePort(), await freePort()];
  const labels = (subset: Subset) =>
    `topology.istio.io/cluster=${subset},cluster-type=${subset}-cluster,app=worker,workload=worker-deployment`;
  const mesh = await spillwayCommand('mesh', meshPort, [
    ...['--kubeconfig', kubeconfigPath, '--port', String(meshPort), '--admin-port', String(adminPort)],
    ...SUBSETS.flatMap((s) => ['--endpoint', `${origin(upstreamUrls[s])},${labels(s)}`]),
    ...['--log-level', 'warn'],
  ]);
  track(() => mesh.stop());
  const meshAdminUrl = `http://127.0.0.1:${adminPort}/`;
  // Ready once it has listed the VirtualService and the DestinationRule and routes the service.
  await until(
    async () => (await fetch(`${meshAdminUrl}healthz/ready`)).status === 200,
    START_TIMEOUT_MS,
  ).catch(() => {
    throw new Error(`the mesh never became ready; its output:\n${mesh.output()}`);
  });

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  // Read once: the bench is the only writer while it runs.
  const virtualService = (await api.getNamespacedCustomObject(VIRTUAL_SERVICE)) as {
    spec?: VirtualServiceSpec;
  };
  const spec = virtualService.spec ?? {};
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  return {
    upstreamUrls,
    meshUrl: `http://127.0.0.1:${meshPort}/`,
    meshAdminUrl,
    async setWeights(weights) {
      await api.patchNamespacedCustomObject(
        { ...VIRTUAL_SERVICE, body: weightsMergePatch(spec, weights) },
        mergePatch,
      );
    },
  };
}
