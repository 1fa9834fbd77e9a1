/**
 * The user's flow against the emulator: `rapki credential-process` (built CLI, child process)
 * gets credentials from the emulator; STS GetCallerIdentity accepts them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { runCli } from '../support/cli.js';
import { makeLeaf } from '../support/emulator-pki.js';
import { makeWorld, ROLE_ARN, type World } from './helpers/world.js';

let w: World;
beforeAll(async () => {
  w = await makeWorld();
}, 60_000);
afterAll(async () => {
  await w?.close();
});

describe('rapki credential-process → emulator → STS', () => {
  it('prints Version 1 credentials that STS accepts; a role outside the profile exits 1', async () => {
    const leaf = makeLeaf(w.root, { cn: 'cp.example.test' });
    const common = [
      '--certificate',
      leaf.certPath,
      '--private-key',
      leaf.keyPath,
      '--trust-anchor-arn',
      w.trustAnchorArn,
      '--profile-arn',
      w.profileArn,
      '--endpoint',
      w.emulator.url,
    ];
    const ok = await runCli(['credential-process', ...common, '--role-arn', ROLE_ARN]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const out = JSON.parse(ok.out) as { Version: number; AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };
    expect(out.Version).toBe(1);
    const sts = new STSClient({
      endpoint: w.emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: out.AccessKeyId, secretAccessKey: out.SecretAccessKey, sessionToken: out.SessionToken },
      maxAttempts: 1,
    });
    const id = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    expect(id.Arn).toBe(`arn:aws:sts::123456789012:assumed-role/app-role/${leaf.serialHex}`);

    const refused = await runCli(['credential-process', ...common, '--role-arn', 'arn:aws:iam::123456789012:role/not-in-profile']);
    expect(refused.code).toBe(1);
    expect(refused.out).toBe('');
    expect(refused.stderr).toContain('AccessDeniedException');
  });
});
