import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYamlFile, root } from './repo.js';
import { FAKE_PROJECT, FAKE_PROJECT_NUMBER, type FakeState, type FakeTools } from './fake-tools.js';

export interface BuildStep {
  id: string;
  name: string;
  entrypoint?: string;
  args?: string[];
  env?: string[];
  waitFor?: string[];
  dir?: string;
  script?: string;
}

export interface BuildConfig {
  substitutions: Record<string, string>;
  options?: { dynamicSubstitutions?: boolean; logging?: string; substitutionOption?: string };
  steps: BuildStep[];
  images?: string[];
  timeout?: string;
}

export function loadBuild(): BuildConfig {
  const [config, ...rest] = parseYamlFile('cloudbuild.yaml');
  if (rest.length > 0 || typeof config !== 'object' || config === null) {
    throw new Error('cloudbuild.yaml must hold exactly one mapping');
  }
  return config as BuildConfig;
}

/** Built-ins that are empty under `gcloud builds submit` (they come from a source repository or trigger). */
export const emptyUnderSubmit = [
  'COMMIT_SHA',
  'SHORT_SHA',
  'REVISION_ID',
  'REPO_NAME',
  'REPO_FULL_NAME',
  'BRANCH_NAME',
  'TAG_NAME',
  'REF_NAME',
  'TRIGGER_NAME',
];

/** Cloud Build's default substitutions (https://cloud.google.com/build/docs/configuring-builds/substitute-variable-values). */
export const builtinSubstitutions = new Set([
  'PROJECT_ID',
  'PROJECT_NUMBER',
  'BUILD_ID',
  'LOCATION',
  'TRIGGER_BUILD_CONFIG_PATH',
  'SERVICE_ACCOUNT_EMAIL',
  'SERVICE_ACCOUNT',
  ...emptyUnderSubmit,
]);

// `$$` (a literal `$`), `${NAME}`, `$NAME`, or a lone `$` (which Cloud Build would not leave to the shell).
const TEMPLATE = /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*)|)/g;

export interface TemplateScan {
  references: string[];
  /** Text around each `$` that is neither `$$` nor a substitution. */
  loneDollars: string[];
}

export function scanTemplate(text: string): TemplateScan {
  const references: string[] = [];
  const loneDollars: string[] = [];
  for (const match of text.matchAll(TEMPLATE)) {
    if (match[1] === '$') continue;
    const name = match[2] ?? match[3];
    if (name !== undefined) references.push(name);
    else loneDollars.push(text.slice(Math.max(0, (match.index ?? 0) - 20), (match.index ?? 0) + 20));
  }
  return { references, loneDollars };
}

/** Replaces substitutions as Cloud Build does (`$$` becomes `$`); an unknown one throws. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(TEMPLATE, (whole, escaped: string, braced?: string, bare?: string) => {
    if (escaped === '$') return '$';
    const name = braced ?? bare;
    const value = name === undefined ? undefined : values[name];
    if (value === undefined) throw new Error(`undefined substitution in ${JSON.stringify(whole)}`);
    return value;
  });
}

export const FAKE_BUILD_ID = '8d8e2b5c-0000-4000-8000-5f1ba5e0c0de';

/** The values a build gets: fake built-ins, and the declared defaults (expanded, as dynamicSubstitutions does). */
export function buildValues(
  config: BuildConfig,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const builtins: Record<string, string> = {
    PROJECT_ID: FAKE_PROJECT,
    PROJECT_NUMBER: FAKE_PROJECT_NUMBER,
    BUILD_ID: FAKE_BUILD_ID,
    LOCATION: 'us-west1',
  };
  const values: Record<string, string> = { ...builtins };
  for (const [name, value] of Object.entries({ ...config.substitutions, ...overrides })) {
    values[name] = substitute(String(value), builtins);
  }
  return values;
}

/** Every string of a step, for scanning. */
export function stepStrings(step: BuildStep): string[] {
  return [
    step.name,
    step.entrypoint,
    step.dir,
    step.script,
    ...(step.args ?? []),
    ...(step.env ?? []),
  ].filter((s): s is string => typeof s === 'string');
}

/** A scratch copy of what the build's steps read, standing in for /workspace. */
export function makeWorkspace(): string {
  const workspace = mkdtempSync(join(tmpdir(), 'spillway-workspace-'));
  for (const path of ['k8s', 'istio', 'scheduler.yaml', 'cloudbuild.yaml']) {
    cpSync(join(root, path), join(workspace, path), { recursive: true });
  }
  return workspace;
}

/** Steps that install and test (they run npm and apt-get): checked by content, not run. */
export const notRun = new Set(['install', 'test']);

/**
 * Runs the build's steps in file order with the fake gcloud/kubectl/docker, each as Cloud Build would
 * (the entrypoint with the substituted args, the step's env, /workspace mapped to `workspace`).
 */
export function runBuild(config: BuildConfig, fakes: FakeTools, workspace: string, state: FakeState): void {
  const values = buildValues(config);
  for (const step of config.steps) {
    if (notRun.has(step.id)) continue;
    const args = (step.args ?? []).map((a) => substitute(a, values));
    const stepEnv: Record<string, string> = {};
    for (const entry of step.env ?? []) {
      const [name, ...rest] = substitute(entry, values).split('=');
      stepEnv[name ?? ''] = rest.join('=').replace(/^\/workspace(?=\/|$)/, workspace);
    }
    const name = substitute(step.name, values);
    const command =
      step.entrypoint ?? (name.startsWith('gcr.io/cloud-builders/docker') ? 'docker' : undefined);
    if (command === undefined) throw new Error(`step ${step.id}: no entrypoint to run`);
    const result = spawnSync(command, args, {
      cwd: step.dir === undefined ? workspace : join(workspace, step.dir),
      env: fakes.env(step.id, state, stepEnv),
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (result.status !== 0) {
      throw new Error(
        `step ${step.id} (${state}) failed with ${String(result.status ?? result.signal)}:\n${result.stderr}`,
      );
    }
  }
}
