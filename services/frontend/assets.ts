import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';

/** One of the page's static files (a stylesheet or a script), held in memory. */
export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
}

/** The types of the files served; any other file in the folder is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

/**
 * Reads the page's assets once: every stylesheet and script directly in `folder` (not in sub-folders),
 * by file name. The name is the only key: a request is answered only for a name found here, so no path
 * from a request ever reaches the file system.
 */
export function loadAssets(folder: URL): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const contentType = CONTENT_TYPES[extname(entry.name)];
    if (!entry.isFile() || contentType === undefined) continue;
    assets.set(entry.name, { body: readFileSync(new URL(entry.name, folder)), contentType });
  }
  return assets;
}
