import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import type { KubeObject } from './repo.js';

/** Typed views of rendered objects (validated against their schemas by the manifest tests). */
export type DeploymentObject = IDeployment & KubeObject;
export type ServiceObject = IService & KubeObject;

export const ofKind = <T>(objects: KubeObject[], kind: string): (T & KubeObject)[] =>
  objects.filter((o) => o.kind === kind) as (T & KubeObject)[];

export function named<T>(objects: KubeObject[], kind: string, name: string): T & KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} named ${name}`);
  return found as T & KubeObject;
}

export const deploymentsOf = (objects: KubeObject[]): DeploymentObject[] =>
  ofKind<IDeployment>(objects, 'Deployment');

export const servicesOf = (objects: KubeObject[]): ServiceObject[] => ofKind<IService>(objects, 'Service');

export function containersOf(deployment: DeploymentObject): IContainer[] {
  return deployment.spec?.template.spec?.containers ?? [];
}

export function podLabels(deployment: DeploymentObject): Record<string, string> {
  return deployment.spec?.template.metadata?.labels ?? {};
}

/** Whether a label selector (matchLabels or a Service selector) selects these labels. */
export const selects = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** A probe or Service target port (number or container port name) as a number. */
export function resolvePort(container: IContainer, port: number | string | undefined): number {
  if (typeof port === 'number') return port;
  const byName = container.ports?.find((p) => p.name === port);
  if (!byName) throw new Error(`container ${container.name} has no port named ${String(port)}`);
  return byName.containerPort;
}

/** The container's environment (literal values only; this deployment uses no valueFrom). */
export function envOf(container: IContainer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value === undefined)
      throw new Error(`${container.name}: ${variable.name} has no literal value`);
    env[variable.name] = variable.value;
  }
  return env;
}

/** The Deployments whose pods a Service selects. */
export function backendsOf(service: ServiceObject, objects: KubeObject[]): DeploymentObject[] {
  const selector = service.spec?.selector ?? {};
  return deploymentsOf(objects).filter((d) => selects(selector, podLabels(d)));
}
