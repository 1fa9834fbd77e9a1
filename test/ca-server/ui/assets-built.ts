/**
 * The console's assets come from `npm run build` (dist/ui/); tests that serve the console from
 * TypeScript sources need them. Builds once (under the same lock as test/support/ca-server.ts)
 * when they are missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/ca-server.js';

export function ensureConsoleAssets(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'ui', 'console.js')) || !existsSync(join(REPO_ROOT, 'dist', 'cli.mjs'))) {
    execFileSync('flock', ['/tmp/rapki-build.lock', 'node', 'scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
}
