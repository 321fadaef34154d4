/**
 * Publishes to a local Pub/Sub emulator with the REAL `gcloud pubsub topics publish`, as an operator would,
 * without reading or writing the user's gcloud configuration:
 *
 *   CLOUDSDK_API_ENDPOINT_OVERRIDES_PUBSUB=http://127.0.0.1:8085/ CLOUDSDK_AUTH_ACCESS_TOKEN=dummy \
 *   CLOUDSDK_CORE_DISABLE_PROMPTS=1 CLOUDSDK_CONFIG=$(mktemp -d) \
 *     gcloud pubsub topics publish TOPIC --project P --message=… '--attribute=^|^reason=a, b|by=me'
 *
 * `--attribute` is a gcloud dictionary flag: items split on `,` and key from value on the first `=`. A
 * leading `^D^` makes D the item delimiter instead (`gcloud topic escaping`), so values may hold commas,
 * `=` and spaces; gcloudAttributeFlag picks a D that occurs in no key or value.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorAddress } from '../pubsub-emulator.js';

export interface GcloudMessage {
  message: string;
  attributes?: Record<string, string>;
  orderingKey?: string;
}

/** Candidate delimiters: never `=` (splits key from value), `^` (the escape itself) or `,` (the default). */
const DELIMITERS = ['|', ';', '~', '#', '@', '%', '!', '+', '*', '&', '$', '/', ':', '\u001f'];

/** The `--attribute=…` argument for `attributes`; throws when gcloud's syntax cannot carry them. */
export function gcloudAttributeFlag(attributes: Record<string, string>): string {
  const entries = Object.entries(attributes);
  if (entries.length === 0) throw new Error('gcloudAttributeFlag needs at least one attribute');
  for (const [key] of entries) {
    if (key === '' || key.includes('=')) {
      throw new Error(`gcloud cannot publish an attribute named ${JSON.stringify(key)} (empty or with "=")`);
    }
  }
  const text = entries.map(([k, v]) => k + v).join('');
  const delimiter = DELIMITERS.find((d) => !text.includes(d));
  if (delimiter === undefined) {
    throw new Error('the attributes use every delimiter gcloud could be given; publish them by REST instead');
  }
  const items = entries.map(([k, v]) => `${k}=${v}`).join(delimiter);
  return `--attribute=^${delimiter}^${items}`;
}

/** The environment gcloud runs with: the caller's, minus every CLOUDSDK_* setting but the Python to use. */
function gcloudEnv(emulator: EmulatorAddress, configDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('CLOUDSDK_') || name === 'CLOUDSDK_PYTHON') env[name] = value;
  }
  return {
    ...env,
    CLOUDSDK_CONFIG: configDir,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_PUBSUB: `http://${emulator.host}/`,
    CLOUDSDK_AUTH_ACCESS_TOKEN: 'dummy',
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: '1',
  };
}

/** Publishes one message with gcloud; answers the message id it printed, throws with its stderr. */
export async function gcloudPublish(
  emulator: EmulatorAddress,
  topic: string,
  message: GcloudMessage,
): Promise<string> {
  const args = [
    'pubsub',
    'topics',
    'publish',
    topic,
    `--project=${emulator.projectId}`,
    // `=` form: a message starting with `-` is not taken for a flag.
    `--message=${message.message}`,
    '--format=json',
  ];
  if (message.attributes !== undefined && Object.keys(message.attributes).length > 0) {
    args.push(gcloudAttributeFlag(message.attributes));
  }
  if (message.orderingKey !== undefined) args.push(`--ordering-key=${message.orderingKey}`);

  const configDir = await mkdtemp(join(tmpdir(), 'spillway-gcloud-'));
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        'gcloud',
        args,
        { env: gcloudEnv(emulator, configDir), timeout: 60_000 },
        (err, out, errOut) => {
          if (err) {
            const why = errOut.trim() || err.message;
            reject(new Error(`gcloud pubsub topics publish ${topic} failed: ${why}`, { cause: err }));
          } else resolve(out);
        },
      );
    });
    let ids: unknown;
    try {
      ids = (JSON.parse(stdout) as { messageIds?: unknown }).messageIds;
    } catch {
      ids = undefined;
    }
    if (!Array.isArray(ids) || typeof ids[0] !== 'string') {
      throw new Error(`gcloud pubsub topics publish printed no message id: ${stdout}`);
    }
    return ids[0];
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
}
