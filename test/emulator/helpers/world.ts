/**
 * A ready emulator for tests: an openssl root CA registered as an enabled trust anchor and an
 * enabled profile for one role, created through the real `@aws-sdk/client-rolesanywhere`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateProfileCommand, CreateTrustAnchorCommand, RolesAnywhereClient } from '@aws-sdk/client-rolesanywhere';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../../emulator/src/index.js';
import { makeRootCa, type TestCa } from '../../support/emulator-pki.js';
import { TEST_CREDENTIALS } from './rest-json-signer.js';

export const ROLE_ARN = 'arn:aws:iam::123456789012:role/app-role';

export interface World {
  dir: string;
  emulator: RunningEmulator;
  client: RolesAnywhereClient;
  root: TestCa;
  trustAnchorArn: string;
  profileArn: string;
  profileId: string;
  trustAnchorId: string;
  close(): Promise<void>;
}

export function sdkClient(url: string): RolesAnywhereClient {
  return new RolesAnywhereClient({ endpoint: url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
}

export async function makeWorld(options: EmulatorOptions = {}, profile: { durationSeconds?: number } = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'rapki-emu-'));
  const root = makeRootCa(join(dir, 'root'), 'Emulator Test Root');
  const emulator = await startEmulator(options);
  const client = sdkClient(emulator.url);
  const ta = await client.send(
    new CreateTrustAnchorCommand({
      name: 'test-root',
      source: { sourceType: 'CERTIFICATE_BUNDLE', sourceData: { x509CertificateData: root.certPem } },
      enabled: true,
    }),
  );
  const p = await client.send(
    new CreateProfileCommand({
      name: 'test-profile',
      roleArns: [ROLE_ARN],
      enabled: true,
      ...(profile.durationSeconds ? { durationSeconds: profile.durationSeconds } : {}),
    }),
  );
  return {
    dir,
    emulator,
    client,
    root,
    trustAnchorArn: ta.trustAnchor!.trustAnchorArn!,
    trustAnchorId: ta.trustAnchor!.trustAnchorId!,
    profileArn: p.profile!.profileArn!,
    profileId: p.profile!.profileId!,
    async close() {
      client.destroy();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
