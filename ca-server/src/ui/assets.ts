/**
 * The console's browser assets (script, style sheet, icon), built by `npm run build`
 * (scripts/build.mjs, esbuild) into `dist/ui/` and read once at start: nothing is built or
 * fetched at run time, and nothing comes from another host (docs/console.md "Rules").
 *
 * URLs carry a hash of the files (`/ui/assets/<hash>/console.js`), so they can be cached for a
 * year and a new build is picked up at once.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ASSET_FILES = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
} as const;

export type AssetName = keyof typeof ASSET_FILES;

export interface ConsoleAssets {
  /** `/ui/assets/<hash>/`. */
  readonly base: string;
  readonly hash: string;
  /** Where they were read from; undefined when no build was found. */
  readonly dir: string | undefined;
  get(name: string): { body: Buffer; type: string } | undefined;
  url(name: AssetName): string;
}

/**
 * `dist/ui/` next to the code that runs: `../ui/` from a chunk in `dist/chunks/`, `./ui/` from an
 * entry in `dist/`, and `dist/ui/` of the repository when running from TypeScript sources (tests).
 */
export function findAssetDir(): string | undefined {
  for (const rel of ['../ui/', './ui/', '../../../dist/ui/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}console.js`) && existsSync(`${dir}console.css`)) return dir;
  }
  return undefined;
}

export function loadConsoleAssets(dir: string | undefined = findAssetDir()): ConsoleAssets {
  const files = new Map<string, { body: Buffer; type: string }>();
  const h = createHash('sha256');
  if (dir) {
    for (const [name, type] of Object.entries(ASSET_FILES)) {
      const p = `${dir}${name}`;
      if (!existsSync(p)) continue;
      const body = readFileSync(p);
      files.set(name, { body, type });
      h.update(name).update(body);
    }
  }
  const hash = h.digest('hex').slice(0, 16);
  const base = `/ui/assets/${hash}/`;
  return {
    base,
    hash,
    dir: files.size > 0 ? dir : undefined,
    get: (name) => files.get(name),
    url: (name) => `${base}${name}`,
  };
}
