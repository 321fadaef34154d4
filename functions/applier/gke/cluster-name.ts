import Type from 'typebox';

/**
 * GKE clusters as the applier names them: `projects/PROJECT/locations/LOCATION/clusters/NAME`, the
 * Container API's resource name (SPILLWAY_TARGET_CLUSTERS is a comma-separated list of them).
 */
export interface GkeCluster {
  /** Project id (`my-project`) or project number. */
  readonly project: string;
  /** Region (`europe-west1`) or zone (`europe-west1-b`). */
  readonly location: string;
  readonly name: string;
}

export type ParsedGkeCluster = { ok: true; cluster: GkeCluster } | { ok: false; reason: string };
export type ParsedGkeClusters = { ok: true; clusters: readonly GkeCluster[] } | { ok: false; reason: string };

/** The project id rule of functions/decider/config.ts (ProjectSchema): an id or a project number. */
const PROJECT = '[a-z][a-z0-9-]{4,28}[a-z0-9]|\\d+';
/** A region (`us-central1`) or a zone (`us-central1-a`). */
const LOCATION = '[a-z]+-[a-z]+\\d{1,2}(?:-[a-z])?';
/** GKE: a lower-case letter first, then lower-case letters, digits and hyphens, ≤ 40, no hyphen at the end. */
const NAME = '[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?';
const ENTRY = `\\s*projects/(?:${PROJECT})/locations/${LOCATION}/clusters/${NAME}\\s*`;
const NAME_MAX = 40;

const PROJECT_RE = new RegExp(`^(?:${PROJECT})$`);
const LOCATION_RE = new RegExp(`^${LOCATION}$`);

export const GKE_CLUSTER_FORM = 'projects/PROJECT/locations/LOCATION/clusters/NAME';

/**
 * The comma list as a TypeBox string, for the applier's config schema. The pattern checks the form of each
 * entry; duplicates and the precise reason for a bad entry come from parseGkeClusters.
 */
export const GkeClustersSchema = Type.String({
  pattern: `^${ENTRY}(?:,${ENTRY})*$`,
  description: `comma-separated GKE clusters, each ${GKE_CLUSTER_FORM} (LOCATION a region like europe-west1 or a zone like europe-west1-b)`,
});

export function formatGkeCluster(cluster: GkeCluster): string {
  return `projects/${cluster.project}/locations/${cluster.location}/clusters/${cluster.name}`;
}

/** One cluster name; surrounding spaces are ignored. */
export function parseGkeCluster(text: string): ParsedGkeCluster {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: `empty; expected ${GKE_CLUSTER_FORM}` };
  const parts = trimmed.split('/');
  if (parts.length !== 6 || parts[0] !== 'projects' || parts[2] !== 'locations' || parts[4] !== 'clusters') {
    return {
      ok: false,
      reason: `${JSON.stringify(trimmed)} is not of the form ${GKE_CLUSTER_FORM}${hint(trimmed)}`,
    };
  }
  const [, project = '', , location = '', , name = ''] = parts;
  const problem = projectProblem(project) ?? locationProblem(location) ?? nameProblem(name);
  if (problem !== undefined) return { ok: false, reason: `${JSON.stringify(trimmed)}: ${problem}` };
  return { ok: true, cluster: { project, location, name } };
}

/** A comma-separated list of at least one cluster; no empty entries, no duplicates. */
export function parseGkeClusters(commaList: string): ParsedGkeClusters {
  if (commaList.trim() === '')
    return { ok: false, reason: `no cluster given; expected ${GKE_CLUSTER_FORM}[,…]` };
  const entries = commaList.split(',');
  const clusters: GkeCluster[] = [];
  const seen = new Map<string, number>();
  for (const [index, entry] of entries.entries()) {
    const position = `entry ${index + 1} of ${entries.length}`;
    if (entry.trim() === '') return { ok: false, reason: `${position} is empty (a stray comma?)` };
    const parsed = parseGkeCluster(entry);
    if (!parsed.ok) return { ok: false, reason: `${position}: ${parsed.reason}` };
    const key = formatGkeCluster(parsed.cluster);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      return { ok: false, reason: `${position} repeats entry ${earlier} (${key})` };
    }
    seen.set(key, index + 1);
    clusters.push(parsed.cluster);
  }
  return { ok: true, clusters };
}

function hint(text: string): string {
  if (/^gke_[^_]+_[^_]+_.+$/.test(text)) {
    const [, project, location, ...name] = text.split('_');
    return ` (that is a kubectl context name; write projects/${project}/locations/${location}/clusters/${name.join('_')})`;
  }
  if (text.includes('container.googleapis.com')) return ' (the resource name only, without the API URL)';
  return '';
}

function projectProblem(project: string): string | undefined {
  if (PROJECT_RE.test(project)) return undefined;
  return (
    `project ${JSON.stringify(project)} is neither a project id (6 to 30 lower-case letters, digits and ` +
    'hyphens, a letter first, no hyphen at the end) nor a project number'
  );
}

function locationProblem(location: string): string | undefined {
  if (LOCATION_RE.test(location)) return undefined;
  return `location ${JSON.stringify(location)} is neither a region (like europe-west1) nor a zone (like europe-west1-b)`;
}

function nameProblem(name: string): string | undefined {
  const what = `cluster name ${JSON.stringify(name)}`;
  if (name === '') return `${what} is empty`;
  if (name.length > NAME_MAX) return `${what} is ${name.length} characters long (at most ${NAME_MAX})`;
  if (!/^[a-z]/.test(name)) return `${what} must start with a lower-case letter`;
  const bad = /[^a-z0-9-]/.exec(name);
  if (bad !== null) {
    return `${what} contains ${JSON.stringify(bad[0])} (only lower-case letters, digits and hyphens)`;
  }
  if (name.endsWith('-')) return `${what} must not end with a hyphen`;
  return undefined;
}
