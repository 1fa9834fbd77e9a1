/**
 * PKCS#11 stays off the start-up path: the native addon is imported in one place, dynamically, and
 * the PKCS#11 code itself is reached from `loadKeySigner` only through a dynamic import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const signerSrc = fileURLToPath(new URL('../../../../signer/src/', import.meta.url));
const cliSrc = fileURLToPath(new URL('../../../../cli/src/', import.meta.url));
const commonSrc = fileURLToPath(new URL('../../../../common/src/', import.meta.url));
const caSrc = fileURLToPath(new URL('../../../../ca-server/src/', import.meta.url));

function files(path: string): string[] {
  return statSync(path).isDirectory() ? readdirSync(path).flatMap((n) => files(join(path, n))) : path.endsWith('.ts') ? [path] : [];
}

describe('PKCS#11 lazy loading', () => {
  it("'pkcs11js' appears in code only as `await import('pkcs11js')` in common/src/pkcs11/module-registry.ts", () => {
    const users = [...files(signerSrc), ...files(cliSrc), ...files(commonSrc), ...files(caSrc)].filter((f) =>
      /from\s+['"]pkcs11js['"]|import\(\s*['"]pkcs11js['"]\s*\)/.test(readFileSync(f, 'utf8')),
    );
    expect(users.map((f) => f.slice(commonSrc.length))).toEqual(['pkcs11/module-registry.ts']);
    expect(readFileSync(join(commonSrc, 'pkcs11/module-registry.ts'), 'utf8')).toContain("await import('pkcs11js')");
  });

  it('no file outside keys/pkcs11/ imports it statically; loadKeySigner reaches it by dynamic import', () => {
    // signer/src/entry/pkcs11.ts is the CLI's door to it: it re-exports keys/pkcs11/, and nothing
    // imports it statically (the next check), so it loads only when a command asks for a token.
    const staticUsers = [...files(signerSrc), ...files(cliSrc)]
      .filter((f) => !f.includes('/keys/pkcs11/') && !f.endsWith('/signer/src/entry/pkcs11.ts'))
      .filter((f) => /^\s*(?:import|export)\s[^'"]*?from\s+['"][^'"]*(?:\/pkcs11\/|\/entry\/pkcs11\.js)[^'"]*['"]/m.test(readFileSync(f, 'utf8')));
    expect(staticUsers).toEqual([]);
    expect(readFileSync(join(signerSrc, 'keys/load-key-signer.ts'), 'utf8')).toContain("await import('./pkcs11/pkcs11-key-signer.js')");
  });
});
