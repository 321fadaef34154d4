/**
 * The built code the function benches measure (dist/, what `npm run build` writes and the deployment runs):
 * where its entry is, whether it is older than the source, and building it again when it is.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What package.json's `main` names: the entry of every function, as deployed from the root. */
export const BUILT_ENTRY = join(ROOT, 'dist', 'functions', 'index.js');
/** The folders `npm run build` compiles (tsconfig.build.json). */
const BUILT_FOLDERS = ['core', 'functions', 'services'];

/** Source files (tests and test support excluded) whose build in dist/ is missing or older than them. */
function staleBuildFiles(): string[] {
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'test-support' && entry.name !== 'public') walk(path);
      } else if (
        entry.name.endsWith('.ts') &&
        !entry.name.endsWith('.test.ts') &&
        !entry.name.endsWith('.d.ts')
      ) {
        const built = join(ROOT, 'dist', relative(ROOT, path).replace(/\.ts$/, '.js'));
        if (!existsSync(built) || statSync(built).mtimeMs < statSync(path).mtimeMs)
          stale.push(relative(ROOT, path));
      }
    }
  };
  for (const folder of BUILT_FOLDERS) walk(join(ROOT, folder));
  return stale;
}

/** Runs `npm run build`; rejects with its output when it fails. */
function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'build'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (err) => reject(new Error(`cannot run npm run build: ${err.message}`)));
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm run build failed (exit ${String(code)}):\n${output}`)),
    );
  });
}

/**
 * Builds dist/ when it is older than the source; with `noBuild` (the benches' `--no-build`) only warns and
 * measures it as it is.
 */
export async function ensureBuilt(noBuild: boolean, progress: (text: string) => void): Promise<void> {
  const stale = staleBuildFiles();
  if (stale.length > 0 && noBuild) {
    progress(`warning: dist/ is older than ${stale.length} source file(s) (${stale[0]}…); measured as it is`);
  } else if (stale.length > 0) {
    progress(`dist/ is older than ${stale.length} source file(s) (${stale[0]}…): npm run build`);
    await build();
  }
}
