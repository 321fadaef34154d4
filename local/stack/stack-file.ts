/**
 * `.spillway/stack.json`: where the running local stack says what it started, for `spillway status` and
 * `spillway override` (and a person: `cat .spillway/stack.json`). Written by the runner once every part is
 * up, removed when it stops. One TypeBox schema is the only source of its type.
 */
import { readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

const Url = Type.String({ pattern: '^https?://[^\\s]+$' });
const HostPort = Type.String({ pattern: '^[A-Za-z0-9.\\[\\]:-]+:\\d{1,5}$' });

export const StackPubSubSchema = Type.Union([
  /** Decisions and overrides travel through the Pub/Sub emulator, pushed to the applier. */
  Type.Object(
    {
      mode: Type.Literal('emulator'),
      emulatorHost: HostPort,
      projectId: Type.String({ minLength: 1 }),
      topic: Type.String({ minLength: 1 }),
      subscription: Type.String({ minLength: 1 }),
    },
    { additionalProperties: false },
  ),
  /** No emulator here: decisions and overrides are POSTed to the applier as Pub/Sub push requests. */
  Type.Object(
    {
      mode: Type.Literal('direct'),
      /** The applier's URL: POST a push body `{message: {data, attributes, messageId, publishTime}, subscription}`. */
      pushEndpoint: Url,
      projectId: Type.String({ minLength: 1 }),
      topic: Type.String({ minLength: 1 }),
      subscription: Type.String({ minLength: 1 }),
    },
    { additionalProperties: false },
  ),
]);

export const StackFileSchema = Type.Object(
  {
    version: Type.Literal(1),
    /** The runner's process id: a file whose process is gone is left over from a crash. */
    pid: Type.Integer({ minimum: 1 }),
    startedAt: Type.String({ format: 'date-time' }),
    /** The folder of logs and state (absolute). */
    dir: Type.String({ minLength: 1 }),
    logDir: Type.String({ minLength: 1 }),
    /** The String Hashr page. */
    frontend: Type.Object({ url: Url }, { additionalProperties: false }),
    kubeconfig: Type.String({ minLength: 1 }),
    namespace: Type.String({ minLength: 1 }),
    virtualService: Type.String({ minLength: 1 }),
    prometheus: Type.Object(
      { url: Url, scrapeIntervalSeconds: Type.Integer({ minimum: 1 }) },
      { additionalProperties: false },
    ),
    pubsub: StackPubSubSchema,
    decider: Type.Object(
      {
        /** The decider function's URL (functions-framework); absent when it runs inside the runner. */
        url: Type.Optional(Url),
        everySeconds: Type.Number({ exclusiveMinimum: 0 }),
        rateWindowSeconds: Type.Integer({ minimum: 1 }),
        query: Type.String({ minLength: 1 }),
      },
      { additionalProperties: false },
    ),
    applier: Type.Object({ url: Url }, { additionalProperties: false }),
    mesh: Type.Object({ url: Url, adminUrl: Url }, { additionalProperties: false }),
    workers: Type.Object({ primary: Url, burst: Url }, { additionalProperties: false }),
    redis: Type.Object({ url: Type.String({ pattern: '^redis://' }) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export type StackFile = Static<typeof StackFileSchema>;
export type StackPubSub = Static<typeof StackPubSubSchema>;

export const STACK_FILE_NAME = 'stack.json';
/** The default folder of the local stack, relative to where it is started (the repository root). */
export const DEFAULT_STACK_DIR = '.spillway';

export function stackFilePath(dir: string): string {
  return join(dir, STACK_FILE_NAME);
}

/** Thrown when there is no running stack to talk to, or its file cannot be used; the message says why. */
export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackFileError';
  }
}

/** Writes the file atomically (a reader never sees half of it). */
export async function writeStackFile(dir: string, stack: StackFile): Promise<void> {
  const path = stackFilePath(dir);
  const temporary = `${path}.${String(process.pid)}.tmp`;
  await writeFile(temporary, `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o644 });
  await rename(temporary, path);
}

export async function removeStackFile(dir: string): Promise<void> {
  await rm(stackFilePath(dir), { force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Reads the running stack's file from `dir`. Throws StackFileError when there is none (the stack is not
 * running: start it with `npm start`), when it does not match the schema, or when its runner is gone.
 */
export async function readStackFile(dir: string): Promise<StackFile> {
  const path = stackFilePath(dir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StackFileError(
        `no local stack is running here (${path} does not exist): start it with \`npm start\``,
      );
    }
    throw new StackFileError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StackFileError(`${path} is not JSON; stop the stack and start it again with \`npm start\``);
  }
  if (!Value.Check(StackFileSchema, parsed)) {
    const first = Value.Errors(StackFileSchema, parsed)[0];
    const where = first === undefined ? '' : ` (${first.instancePath || '/'}: ${first.message})`;
    throw new StackFileError(`${path} is not a stack file of this version${where}`);
  }
  if (!processAlive(parsed.pid)) {
    throw new StackFileError(
      `the local stack that wrote ${path} (pid ${String(parsed.pid)}) is no longer running: start it with \`npm start\``,
    );
  }
  return parsed;
}
