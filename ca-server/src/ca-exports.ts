/**
 * Copies of the current CA certificates in a CA directory (`root.pem`, and `intermediate.pem` for a
 * CA with an intermediate), for operators to hand to hosts and browsers (docs/host.md). The CA
 * reads its certificates from the store only; these files are written by `ca init`, at every start
 * of `ca serve` and after a rotation's finish, each atomically, and never read back.
 */
import { rmSync } from 'node:fs';
import { caPaths } from './ca-dir.js';
import { makePrivateDirSync } from '../../common/src/fs/private-dir.js';
import { writeFileAtomicSync } from '../../common/src/fs/atomic-write.js';
import type { CaState } from './store/types.js';
import { derToPem } from '../../common/src/x509/pem.js';

export function writeCaExports(dir: string, state: CaState): void {
  const cfg = state.config;
  if (!cfg) return;
  const p = caPaths(dir);
  const root = state.certificates.find((c) => c.id === cfg.rootId);
  const issuing = state.certificates.find((c) => c.id === cfg.issuerId);
  if (!root) return;
  makePrivateDirSync(p.dir);
  writeFileAtomicSync(p.rootCert, derToPem(root.der, 'CERTIFICATE'));
  if (cfg.intermediate && issuing && issuing.id !== root.id) writeFileAtomicSync(p.intermediateCert, derToPem(issuing.der, 'CERTIFICATE'));
  else rmSync(p.intermediateCert, { force: true });
}
