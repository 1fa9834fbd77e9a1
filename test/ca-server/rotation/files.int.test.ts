/**
 * A crash while `finish` swaps files (some new files written, `ca.json` not yet): the next open of
 * the CA directory completes the swap before reading it, keeps the OLD files in the retired
 * directory (copies made only from the still-old files), and closes the rotation state.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caPaths } from '../../../ca-server/src/ca-dir.js';
import { openCa } from '../../../ca-server/src/open-ca.js';
import { retiredDir } from '../../../ca-server/src/rotation/files.js';
import { nextGenerationPaths } from '../../../ca-server/src/rotation/generation.js';
import { RotationStateFile } from '../../../ca-server/src/rotation/state.js';
import { csrPem, FAST_KDF, makeTestCa, TEST_PASSPHRASE } from '../authority/fixtures.js';

describe('recoverRotationFiles', () => {
  it('completes a file swap interrupted after the first new file', async () => {
    const t = await makeTestCa({ open: { rotation: { keyEncryption: FAST_KDF, publishWaitMs: 1000 } } });
    try {
      const p = caPaths(t.dir);
      const oldRoot = readFileSync(p.rootCert, 'utf8');
      const oldConfig = readFileSync(p.config, 'utf8');
      const st = await t.ca.rotation.manager.start({ actor: 'admin:test' });
      const state = st.state!;
      const next = nextGenerationPaths(t.dir);
      const newRoot = readFileSync(next.rootCert, 'utf8');
      await t.ca.close();
      // The crash: finish got as far as "files pending", the retired copies and root.pem.
      new RotationStateFile(t.dir).write({ ...state, phase: 'finishing', filesPending: true });
      const retired = retiredDir(t.dir, state.id);
      mkdirSync(retired, { recursive: true });
      for (const f of ['root.pem', 'root.key.enc', 'ca.json']) copyFileSync(join(t.dir, f), join(retired, f));
      copyFileSync(next.rootCert, p.rootCert);

      t.ca = await openCa({ dir: t.dir, passphrase: TEST_PASSPHRASE, clock: t.clock.now });
      expect(t.ca.issuer.id).toBe(st.next!.issuerId);
      expect(readFileSync(p.rootCert, 'utf8')).toBe(newRoot);
      expect(JSON.parse(readFileSync(p.config, 'utf8')).fingerprint).toBe(st.next!.rootFingerprint);
      expect(readFileSync(join(retired, 'root.pem'), 'utf8')).toBe(oldRoot);
      expect(readFileSync(join(retired, 'ca.json'), 'utf8')).toBe(oldConfig);
      expect(existsSync(next.dir)).toBe(false);
      expect(new RotationStateFile(t.dir).read()).toBeUndefined();
      // It issues from the new root.
      const tok = await t.ca.authority.createEnrollmentToken({ subject: 'after-crash', sans: [] }, 'admin:test');
      const issued = await t.ca.authority.enroll(tok.token, csrPem('CN=after-crash', []));
      expect(issued.rootPem.trim()).toBe(newRoot.trim());
    } finally {
      await t.cleanup();
    }
  }, 30_000);
});
