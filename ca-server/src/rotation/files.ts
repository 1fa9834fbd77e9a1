/**
 * The last step of `finish`: the new CA becomes the CA on disk. The old files are copied to
 * `rotation/retired-<id>/` first (each copy made only once, from the still-old file), then the new
 * key and certificate are written over the old ones, `ca.json` (with the new root fingerprint)
 * last, each write atomic. Re-running the whole sequence after a crash at any point gives the same
 * result, which is what `recoverRotationFiles` does first thing when the CA is opened.
 */
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { caPaths, ensurePrivateDir, writePrivateFile, type CaDirConfig } from '../ca-dir.js';
import { nextGenerationPaths, readGenerationInfo } from './generation.js';
import { rotationDir, RotationStateFile, type RotationState } from './state.js';

export function retiredDir(caDir: string, rotationId: string): string {
  return join(rotationDir(caDir), `retired-${rotationId}`);
}

export function swapGenerationFiles(caDir: string, s: RotationState): void {
  const cur = caPaths(caDir);
  const next = nextGenerationPaths(caDir);
  const retired = retiredDir(caDir, s.id);
  const info = s.next ?? readGenerationInfo(caDir);
  if (!info) throw new Error('rotation state has no next CA');
  const moves: [string, string][] = info.newRoot
    ? [
        [next.rootCert, cur.rootCert],
        [next.rootKey, cur.rootKey],
      ]
    : [
        [next.intermediateCert, cur.intermediateCert],
        [next.intermediateKey, cur.intermediateKey],
      ];
  // 1. Keep the old files (only once: after a crash the top-level file may already be the new one).
  for (const [, dst] of [...moves, ['', cur.config] as [string, string]]) keepOnce(dst, join(retired, dst.slice(cur.dir.length + 1)));
  // 2. The new files over the old ones (the next directory stays until ca.json is written).
  for (const [src, dst] of moves) {
    if (existsSync(src)) writePrivateFile(dst, readFileSync(src));
  }
  // 3. ca.json last: from now on the new CA is "the CA in this directory".
  const oldConfig = JSON.parse(readFileSync(join(retired, 'ca.json'), 'utf8')) as CaDirConfig;
  const config = { ...oldConfig, keyType: info.keyType, fingerprint: info.rootFingerprint, rotatedAt: new Date().toISOString() };
  writePrivateFile(cur.config, `${JSON.stringify(config, null, 2)}\n`);
  // 4. The server certificate is reissued by the new CA at the next start.
  rmSync(cur.tlsMeta, { force: true });
  rmSync(next.dir, { recursive: true, force: true });
}

/**
 * Copies `src` to `keep` (0600, atomic) unless `keep` exists already: the copy is made once, from
 * the file as it was when first kept, so re-running a step after a crash never overwrites it.
 */
function keepOnce(src: string, keep: string): void {
  if (existsSync(keep) || !existsSync(src)) return;
  ensurePrivateDir(dirname(keep));
  copyFileSync(src, `${keep}.tmp`);
  writePrivateFile(keep, readFileSync(`${keep}.tmp`));
  rmSync(`${keep}.tmp`, { force: true });
}

/** Where a CA that left issuance keeps its certificate and encrypted key (relative to the CA directory). */
export interface KeptIssuerFiles {
  readonly certificate: string;
  readonly key: string;
}

/**
 * Keeps the certificate and encrypted key of the intermediate that leaves issuance in
 * `rotation/retired-<id>/`: the old one at `finish`, the new one at `abort`. Its CRL must still be
 * signed and re-published while a certificate it signed is unexpired (docs/rotation.md "After
 * finish"), and that needs its key.
 */
export function keepIntermediateFiles(caDir: string, s: RotationState, which: 'old' | 'next'): KeptIssuerFiles {
  const src = which === 'old' ? caPaths(caDir) : nextGenerationPaths(caDir);
  const dir = retiredDir(caDir, s.id);
  const certificate = join(dir, 'intermediate.pem');
  const key = join(dir, 'intermediate.key.enc');
  keepOnce(src.intermediateCert, certificate);
  keepOnce(src.intermediateKey, key);
  const base = caPaths(caDir).dir;
  return { certificate: relative(base, certificate), key: relative(base, key) };
}

/**
 * Called before the CA directory is read: completes a `finish` whose file swap a crash
 * interrupted. Returns true when it did.
 */
export function recoverRotationFiles(caDir: string): boolean {
  const file = new RotationStateFile(caDir);
  const s = file.read();
  if (!s || s.phase !== 'finishing' || !s.filesPending) return false;
  swapGenerationFiles(caDir, s);
  file.close(s, 'finished');
  return true;
}
