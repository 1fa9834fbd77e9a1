/**
 * The TPM code stays off the credential-process start-up path for file keys: `loadKeySigner`
 * reaches it only through dynamic imports, and the one TPM module it imports statically (`detect.ts`)
 * holds no TPM code. Checked on the sources, and on the build: the start-up bundle of
 * credential-process holds none of the TPM code, which is a file of its own loaded on demand.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assertBuilt, REPO_ROOT } from '../../../support/cli.js';

const signerSrc = fileURLToPath(new URL('../../../../signer/src/', import.meta.url));
const cliSrc = fileURLToPath(new URL('../../../../cli/src/', import.meta.url));

function files(path: string): string[] {
  return statSync(path).isDirectory() ? readdirSync(path).flatMap((n) => files(join(path, n))) : path.endsWith('.ts') ? [path] : [];
}

const STATIC_TPM_IMPORT = /^\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+['"]([^'"]*\/tpm\/[^'"]*)['"]/gm;

describe('TPM lazy loading', () => {
  it('outside keys/tpm/, only tpm/detect.js and tpm/constants.js are imported statically (type-only imports aside)', () => {
    const offenders: string[] = [];
    // signer/src/entry/tpm.ts is the CLI's door to it (it re-exports keys/tpm/index.ts): checked below.
    for (const f of [...files(signerSrc), ...files(cliSrc)].filter((p) => !p.includes('/keys/tpm/') && !p.endsWith('/signer/src/entry/tpm.ts'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(STATIC_TPM_IMPORT)) {
        if (!/\/tpm\/(detect|constants)\.js$/.test(m[1]!)) offenders.push(`${f}: ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("the CLI's TPM entry (signer/src/entry/tpm.ts) is imported statically only by the TPM enrollment, which is loaded by dynamic import", () => {
    const entryUsers = [...files(signerSrc), ...files(cliSrc)].filter((f) =>
      /^\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+['"][^'"]*\/entry\/tpm\.js['"]/m.test(readFileSync(f, 'utf8')),
    );
    expect(entryUsers.map((f) => f.slice(cliSrc.length))).toEqual(['ca-client/tpm-key.ts']);
    const tpmKeyUsers = files(cliSrc).filter((f) =>
      /^\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+['"][^'"]*\/tpm-key\.js['"]/m.test(readFileSync(f, 'utf8')),
    );
    expect(tpmKeyUsers).toEqual([]);
  });

  it('loadKeySigner reaches the TPM source by dynamic import only', () => {
    const src = readFileSync(join(signerSrc, 'keys/load-key-signer.ts'), 'utf8');
    expect(src).toContain("await import('./tpm/tpm-key-signer.js')");
    expect(src).toMatch(/from '\.\/tpm\/detect\.js'/);
  });

  it('detect.ts imports nothing (no TPM code, not even the constants, on the file-key path)', () => {
    const detect = readFileSync(join(signerSrc, 'keys/tpm/detect.ts'), 'utf8');
    expect([...detect.matchAll(/from\s+['"]([^'"]+)['"]/g)]).toEqual([]);
    const constants = readFileSync(join(signerSrc, 'keys/tpm/constants.ts'), 'utf8');
    expect(constants).not.toMatch(/^\s*import\s/m);
  });

  it('dist/credential-process.cjs holds no TPM code: it requires dist/tpm-key-signer.cjs when a TPM key is named', () => {
    assertBuilt();
    const fast = readFileSync(join(REPO_ROOT, 'dist', 'credential-process.cjs'), 'latin1');
    const tpm = readFileSync(join(REPO_ROOT, 'dist', 'tpm-key-signer.cjs'), 'latin1');
    for (const marker of ['function openTpmTransport', 'function marshalCommand', 'function loadTpmKeySigner', 'function parseTss2KeyFile']) {
      expect(fast).not.toContain(marker);
      expect(tpm).toContain(marker);
    }
    expect(fast).toContain('"tpm-key-signer.cjs"');
  });
});
