/**
 * The signer core is on the credential-process start-up path: it may import node built-ins and
 * its own files only. node-forge is allowed solely as a dynamic import on the PKCS#12 path.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../signer/src/', import.meta.url));
const CORE = ['constants.ts', 'errors.ts', 'arn.ts', 'sign-string.ts', 'certificate-data.ts', 'sigv4', 'keys', 'x509', 'preflight', 'request'];

function files(path: string): string[] {
  return statSync(path).isDirectory() ? readdirSync(path).flatMap((n) => files(join(path, n))) : [path];
}

describe('signer core imports', () => {
  it('statically imports only node: built-ins, relative files and common/', () => {
    const offenders: string[] = [];
    for (const file of CORE.flatMap((c) => files(join(root, c)))) {
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1] as string;
        if (!spec.startsWith('node:') && !spec.startsWith('.')) offenders.push(`${file}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
  it('loads node-forge only lazily, in keys/pkcs12.ts', () => {
    const users = CORE.flatMap((c) => files(join(root, c))).filter((f) => readFileSync(f, 'utf8').includes("'node-forge'"));
    expect(users.map((f) => f.slice(root.length))).toEqual(['keys/pkcs12.ts']);
    expect(readFileSync(join(root, 'keys/pkcs12.ts'), 'utf8')).toContain("await import('node-forge')");
  });
});
