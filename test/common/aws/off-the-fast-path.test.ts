/**
 * The control-plane client moved to common/src/aws/ so that the CA and the CLI share it; it must
 * stay off the credential-process start-up path (the AWS SDK alone would cost more than the whole
 * command): neither the fast entry nor anything it bundles carries it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/cli.js';

describe('common/src/aws and credential-process', () => {
  it('dist/credential-process.cjs (and the files it requires) holds no control-plane code', () => {
    // Markers that survive bundling: a wire path of common/src/aws/constants.ts and the SDK's client class.
    const markers = ['/put-notifications-settings', 'RolesAnywhereClient'];
    const cli = readdirSync(join(REPO_ROOT, 'dist', 'chunks'))
      .map((f) => readFileSync(join(REPO_ROOT, 'dist', 'chunks', f), 'latin1'))
      .join('\n');
    for (const m of markers) expect(cli, `the CLI bundle carries ${m} (else this check proves nothing)`).toContain(m);
    for (const f of ['credential-process.cjs', 'report.cjs', 'tpm-key-signer.cjs']) {
      const text = readFileSync(join(REPO_ROOT, 'dist', f), 'latin1');
      for (const m of markers) expect(text, `${f} carries ${m}`).not.toContain(m);
    }
  });
});
