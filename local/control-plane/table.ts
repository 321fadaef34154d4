/**
 * `meta.k8s.io/v1` Table output, what `kubectl get` asks for: the columns the Istio CRDs declare (Name, then
 * e.g. Gateways, Hosts, Age), rendered the way the API server's CRD table convertor renders them (lists as
 * JSON, Age as a short human duration).
 */
import { isJsonObject, type Json, type KubeObject } from './objects.js';
import type { PrinterColumn, ResourceType } from './resources.js';
import { badRequest } from './status.js';

export const IncludeObject = { None: 'None', Metadata: 'Metadata', Object: 'Object' } as const;
export type IncludeObject = (typeof IncludeObject)[keyof typeof IncludeObject];

export interface TableOptions {
  readonly noHeaders: boolean;
  readonly includeObject: IncludeObject;
}

export function tableOptionsFrom(query: URLSearchParams): TableOptions {
  const include = query.get('includeObject') ?? IncludeObject.Metadata;
  if (include !== 'None' && include !== 'Metadata' && include !== 'Object') {
    throw badRequest(`unrecognized includeObject value: "${include}"`);
  }
  return { noHeaders: false, includeObject: include };
}

const nameDescription =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may ' +
  'allow a client to request the generation of an appropriate name automatically. Name is primarily intended ' +
  'for creation idempotence and configuration definition. Cannot be updated. More info: ' +
  'https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

/** Kubernetes' `duration.HumanDuration`: 45s, 3m20s, 12m, 5h30m, 3d4h, 400d, 2y30d. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}

function valueAt(object: Json, path: readonly string[]): Json | undefined {
  let node: Json | undefined = object;
  for (const key of path) node = isJsonObject(node) ? node[key] : undefined;
  return node;
}

function cell(object: KubeObject, column: PrinterColumn, nowMs: number): Json {
  const value = valueAt(object, column.path);
  if (value === undefined || value === null) return null;
  if (column.type === 'date') {
    const time = typeof value === 'string' ? Date.parse(value) : NaN;
    return Number.isNaN(time) ? '<invalid>' : humanDuration(nowMs - time);
  }
  // A string column prints strings as they are and anything else as JSON (kubectl's jsonpath printing).
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function rowObject(object: KubeObject, include: IncludeObject): Json {
  if (include === IncludeObject.None) return null;
  if (include === IncludeObject.Object) return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

export function toTable(
  type: ResourceType,
  objects: readonly KubeObject[],
  resourceVersion: string,
  options: TableOptions,
  nowMs = Date.now(),
): Record<string, Json> {
  const columnDefinitions = [
    { name: 'Name', type: 'string', format: 'name', description: nameDescription, priority: 0 },
    ...type.columns.map((column) => ({
      name: column.name,
      type: column.type,
      format: '',
      description: column.description,
      priority: 0,
    })),
  ];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: options.noHeaders ? [] : columnDefinitions,
    rows: objects.map((object) => ({
      cells: [object.metadata.name, ...type.columns.map((column) => cell(object, column, nowMs))],
      object: rowObject(object, options.includeObject),
    })),
  };
}
