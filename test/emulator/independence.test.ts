/**
 * The emulator must not import the signer or the CA server: a signing bug must not hide behind the
 * same bug in the verifier.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../emulator/src', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('emulator independence', () => {
  it('imports nothing from signer/ or ca-server/', () => {
    const offenders = files(SRC).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)]
        .map((m) => m[1]!)
        .filter((spec) => /(^|\/)(signer|ca-server)\//.test(spec))
        .map((spec) => `${f}: ${spec}`),
    );
    expect(files(SRC).length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });
});
