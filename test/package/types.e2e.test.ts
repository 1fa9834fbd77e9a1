/**
 * The published package's type declarations (package.json `exports` → `types`, built by
 * `npm run build` with tsconfig.types.json): a TypeScript consumer of the packed tarball imports
 * `fromRolesAnywhere` from `rapki/signer` and `startEmulator` from `rapki/emulator` and typechecks,
 * and a wrong option type is an error (the declarations are real types, not `any`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, assertBuilt } from '../support/cli.js';
import { makeTempDir, removeTempDir } from '../support/openssl.js';

const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

describe('type declarations of rapki/signer and rapki/emulator', () => {
  let tmp: string;
  let packed: string[];

  beforeAll(async () => {
    assertBuilt();
    tmp = await makeTempDir('rapki-types-');
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    packed = info!.files.map((f) => f.path);
    // The consumer: the tarball unpacked as node_modules/rapki, next to what `npm install` would
    // put there (this repository's node_modules, linked).
    const modules = join(tmp, 'consumer', 'node_modules');
    mkdirSync(join(modules, 'rapki'), { recursive: true });
    execFileSync('tar', ['-xzf', join(tmp, info!.filename), '-C', join(modules, 'rapki'), '--strip-components=1']);
    for (const dep of readdirSync(join(REPO_ROOT, 'node_modules'))) {
      if (dep !== 'rapki' && !dep.startsWith('.')) symlinkSync(join(REPO_ROOT, 'node_modules', dep), join(modules, dep));
    }
    writeFileSync(
      join(tmp, 'consumer', 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], noEmit: true },
        include: ['*.ts'],
      }),
    );
  }, 120_000);

  afterAll(async () => {
    if (tmp) await removeTempDir(tmp);
  });

  /** One tsc run over the consumer's files; its diagnostics by file. */
  const tsc = (files: Record<string, string>) => {
    const dir = join(tmp, 'consumer');
    for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
    const r = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
    const out = `${r.stdout}${r.stderr}`;
    return { code: r.status, out, of: (name: string) => out.split('\n').filter((l) => l.startsWith(`${name}(`)) };
  };

  it('ships the declarations named in exports', () => {
    expect(packed).toEqual(
      expect.arrayContaining(['dist/types/signer/src/index.d.ts', 'dist/types/emulator/src/index.d.ts', 'dist/signer.mjs', 'dist/emulator.mjs']),
    );
    expect(existsSync(join(REPO_ROOT, 'dist', 'types', 'signer', 'src', 'index.d.ts'))).toBe(true);
  });

  it('a consumer importing fromRolesAnywhere from rapki/signer typechecks; a wrong option type or an unknown name is an error', () => {
    const r = tsc({
      'consumer.ts': `import { fromRolesAnywhere, isRapkiError, type FromRolesAnywhereOptions } from 'rapki/signer';
import { startEmulator, type EmulatorOptions } from 'rapki/emulator';
const options: FromRolesAnywhereOptions = {
  certificate: '/etc/rapki/certificate.pem',
  privateKey: '/etc/rapki/private-key.pem',
  trustAnchorArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/ta',
  profileArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/p',
  roleArn: 'arn:aws:iam::123456789012:role/app',
  region: 'us-east-1',
};
const provider = fromRolesAnywhere(options);
export async function keys(): Promise<string> {
  const c = await provider();
  const expires: Date | undefined = c.expiration;
  return \`\${c.accessKeyId}:\${c.secretAccessKey}:\${c.sessionToken ?? ''}:\${expires?.toISOString() ?? ''}\`;
}
export const isCoded = (e: unknown): boolean => isRapkiError(e) && typeof e.code === 'string';
const emulatorOptions: EmulatorOptions = { port: 0 };
export const emulator = startEmulator(emulatorOptions);
`,
      'wrong.ts': `import { fromRolesAnywhere, noSuchExport } from 'rapki/signer';
export const p = fromRolesAnywhere({ certificate: '/c.pem', trustAnchorArn: 'a', profileArn: 'b', roleArn: 42 });
export const q = noSuchExport;
`,
    });
    expect(r.of('consumer.ts')).toEqual([]);
    expect(r.of('wrong.ts')).toEqual([
      expect.stringMatching(/^wrong\.ts\(1,\d+\): error TS2305: Module '"rapki\/signer"' has no exported member 'noSuchExport'/),
      expect.stringMatching(/^wrong\.ts\(2,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/),
    ]);
    // Nothing else: the declarations themselves compile for a consumer.
    expect(r.out.split('\n').filter((l) => /error TS/.test(l) && !l.startsWith('wrong.ts('))).toEqual([]);
  }, 90_000);
});
