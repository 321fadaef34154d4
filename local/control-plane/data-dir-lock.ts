/**
 * One control plane per data directory: `DIR/lock` holds the owner's pid. A second control plane on the same
 * directory would overwrite the first one's changes, so it is refused; a lock left by a killed process is
 * taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock; returns its release. Throws when a live process holds it. */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      let released = false;
      return () => {
        if (!released) rmSync(path, { force: true });
        released = true;
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `${dataDir} is in use by another control plane (pid ${owner}); stop it or use another --data-dir`,
          { cause: err },
        );
      }
      if (owner === process.pid) {
        throw new Error(`${dataDir} is already in use by a control plane in this process`, { cause: err });
      }
      rmSync(path, { force: true }); // left by a process that is gone
    }
  }
  throw new Error(`cannot lock ${dataDir}`);
}
