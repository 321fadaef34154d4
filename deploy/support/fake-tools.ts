import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Stand-ins for `gcloud`, `kubectl` and `docker` at the boundary to Google Cloud, for running the build's
 * and the guide's shell exactly as written (bash does the quoting, variables, command substitutions and
 * branches). Each call is recorded with its arguments, directory and KUBECONFIG; the answers are the few
 * a real project would give (a trigger's name, a function's URL, a kubeconfig from get-credentials).
 * `kubectl kustomize` runs the real kubectl. What the recorded gcloud calls ask for is then checked with
 * the real gcloud (gcloud.ts).
 *
 * State `fresh`: nothing exists yet (every `describe` fails, the VirtualService is not found).
 * State `existing`: everything exists (a re-run).
 */
export type FakeState = 'fresh' | 'existing';

export interface ToolCall {
  tool: 'gcloud' | 'kubectl' | 'docker';
  /** The build step (or guide block) the call came from. */
  step: string;
  cwd: string;
  /** KUBECONFIG at the time of the call ('' when unset). */
  kubeconfig: string;
  args: string[];
}

export const FAKE_PROJECT = 'spillway-test';
export const FAKE_PROJECT_NUMBER = '123456789012';
export const FAKE_DECIDER_URL = 'https://spillway-decider-fake-uw.a.run.app';

const recorder = (tool: string): string => `#!/usr/bin/env bash
# Fake ${tool} for Spillway's deployment tests: records the call (NUL-separated), then answers.
set -u
n=$(find "$SPILLWAY_FAKE_LOG" -type f | wc -l)
printf '%s\\0' ${tool} "\${SPILLWAY_STEP:-}" "$PWD" "\${KUBECONFIG:-}" "$@" > "$SPILLWAY_FAKE_LOG/$(printf '%06d' "$n")"
args=" $* "
`;

const fakeGcloud = `${recorder('gcloud')}
case "$args" in
  *" functions describe "*"value(eventTrigger.trigger)"*)
    echo "projects/\${CLOUDSDK_CORE_PROJECT}/locations/us-west1/triggers/spillway-applier-000000"; exit 0 ;;
  *" eventarc triggers describe "*)
    echo "projects/\${CLOUDSDK_CORE_PROJECT}/subscriptions/eventarc-us-west1-spillway-applier-000000-sub-000"; exit 0 ;;
  *" functions describe "*"value(serviceConfig.uri)"*)
    echo "${FAKE_DECIDER_URL}"; exit 0 ;;
  *"value(clusterIpv4Cidr)"*)
    echo "10.4.0.0/14"; exit 0 ;;
  *" projects describe "*"projectNumber"*)
    echo "${FAKE_PROJECT_NUMBER}"; exit 0 ;;
  *" config get-value project "*|*" config get project "*)
    echo "\${CLOUDSDK_CORE_PROJECT}"; exit 0 ;;
  *" container clusters get-credentials "*)
    name=""; location=""; project="\${CLOUDSDK_CORE_PROJECT}"; after=0
    for a in "$@"; do
      case "$a" in
        --location=*) location="\${a#--location=}" ;;
        --zone=*) location="\${a#--zone=}" ;;
        --region=*) location="\${a#--region=}" ;;
        --project=*) project="\${a#--project=}" ;;
        -*) ;;
        *) if [ "$after" = 1 ] && [ -z "$name" ]; then name="$a"; fi
           if [ "$a" = get-credentials ]; then after=1; fi ;;
      esac
    done
    context="gke_\${project}_\${location}_\${name}"
    printf 'apiVersion: v1\\nkind: Config\\nclusters: [{name: %s, cluster: {server: "https://invalid.test"}}]\\nusers: [{name: %s, user: {}}]\\ncontexts: [{name: %s, context: {cluster: %s, user: %s}}]\\ncurrent-context: %s\\n' \\
      "$context" "$context" "$context" "$context" "$context" "$context" > "\${KUBECONFIG:-$HOME/.kube/config}"
    exit 0 ;;
  *" describe "*)
    [ "$SPILLWAY_FAKE_STATE" = existing ] && exit 0
    echo "ERROR: NOT_FOUND (fake)" >&2; exit 1 ;;
esac
exit 0
`;

const fakeKubectl = (realKubectl: string): string => `#!/usr/bin/env bash
if [ "\${1:-}" = kustomize ]; then exec ${realKubectl} "$@"; fi
${recorder('kubectl')}
case "$args" in
  *" get "*"--output=name"*|*" get "*"-o name"*)
    if [ "$SPILLWAY_FAKE_STATE" = existing ]; then
      echo "virtualservice.networking.istio.io/worker-virtual-service"
    fi
    exit 0 ;;
esac
exit 0
`;

const fakeDocker = `${recorder('docker')}
exit 0
`;

export interface FakeTools {
  readonly binDir: string;
  /** The environment for one step: the fakes first on PATH, the state, the step's name. */
  env(step: string, state: FakeState, extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** Every call recorded since the last `clear()`, in order. */
  calls(): ToolCall[];
  clear(): void;
}

export function installFakeTools(dir: string): FakeTools {
  const binDir = join(dir, 'bin');
  const logDir = join(dir, 'calls');
  mkdirSync(binDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const realKubectl = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
  if (realKubectl === '') throw new Error('kubectl is not installed (needed for kubectl kustomize)');
  for (const [name, text] of [
    ['gcloud', fakeGcloud],
    ['kubectl', fakeKubectl(realKubectl)],
    ['docker', fakeDocker],
  ] as const) {
    writeFileSync(join(binDir, name), text);
    chmodSync(join(binDir, name), 0o755);
  }
  return {
    binDir,
    env(step, state, extra = {}) {
      return {
        PATH: `${binDir}:${process.env['PATH'] ?? ''}`,
        HOME: dir,
        SPILLWAY_FAKE_LOG: logDir,
        SPILLWAY_FAKE_STATE: state,
        SPILLWAY_STEP: step,
        CLOUDSDK_CORE_PROJECT: FAKE_PROJECT,
        ...extra,
      };
    },
    calls() {
      return readdirSync(logDir)
        .sort()
        .map((file) => {
          const [tool, step, cwd, kubeconfig, ...args] = readFileSync(join(logDir, file), 'utf8')
            .split('\0')
            .slice(0, -1);
          return {
            tool: tool as ToolCall['tool'],
            step: step ?? '',
            cwd: cwd ?? '',
            kubeconfig: kubeconfig ?? '',
            args,
          };
        });
    },
    clear() {
      rmSync(logDir, { recursive: true, force: true });
      mkdirSync(logDir, { recursive: true });
    },
  };
}

/** The value of `--name=value` (or `--name value`) in a call's arguments. */
export function flagValue(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
    if (arg === name) return args[i + 1];
  }
  return undefined;
}

/** All values of a repeatable flag (`--filename=a --filename=b`, `-f a`). */
export function flagValues(args: string[], ...names: string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    for (const name of names) {
      if (arg.startsWith(`${name}=`)) values.push(arg.slice(name.length + 1));
      else if (arg === name && args[i + 1] !== undefined) values.push(args[i + 1] ?? '');
    }
  }
  return values;
}
