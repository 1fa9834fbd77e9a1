/**
 * PKCS#11 end to end: RSA and EC keys held by SoftHSM2 sign CreateSession requests that
 * the emulator (its own verifier, no signer code) accepts; the credentials work with STS.
 */
import { execFileSync } from 'node:child_process';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../support/cli.js';
import {
  addTokenIdentity,
  createSoftHsmToken,
  SOFTHSM_AVAILABLE,
  SOFTHSM_SKIP_REASON,
  type SoftHsmToken,
  type TokenKeyType,
} from '../../../support/softhsm.js';
import { makeWorld, ROLE_ARN, type World } from '../../../emulator/helpers/world.js';

if (!SOFTHSM_AVAILABLE) console.warn(SOFTHSM_SKIP_REASON);

let w: World;
let token: SoftHsmToken;
const serials: Record<string, string> = {};

const KEYS: Array<[string, TokenKeyType, string]> = [
  ['rsa2048', 'rsa:2048', '11'],
  ['p256', 'EC:prime256v1', '12'],
  ['p384', 'EC:secp384r1', '13'],
];

beforeAll(async () => {
  if (!SOFTHSM_AVAILABLE) return;
  token = createSoftHsmToken('rapki-emu');
  w = await makeWorld();
  for (const [name, keyType, id] of KEYS) {
    const c = addTokenIdentity(token, w.dir, { name, keyType, id, cn: `${name}.emu.test`, ca: { cert: w.root.certPath, key: w.root.keyPath } });
    serials[name] = /serial=([0-9A-F]+)/i
      .exec(execFileSync('openssl', ['x509', '-in', c.certFile, '-noout', '-serial'], { encoding: 'utf8' }))![1]!
      .toLowerCase();
  }
}, 60_000);

afterAll(async () => {
  await w?.close();
  token?.cleanup();
});

describe.skipIf(!SOFTHSM_AVAILABLE)('credential-process with SoftHSM2 keys → emulator → STS', () => {
  it.each(KEYS.map(([name]) => name))('%s: the emulator accepts the token-signed CreateSession; STS accepts the credentials', async (name) => {
    const r = await runCli(
      [
        'credential-process',
        '--certificate',
        `pkcs11:token=rapki-emu;object=${name}-cert`,
        '--private-key',
        `pkcs11:token=rapki-emu;object=${name}-key;type=private`,
        '--pkcs11-lib',
        token.module,
        '--trust-anchor-arn',
        w.trustAnchorArn,
        '--profile-arn',
        w.profileArn,
        '--role-arn',
        ROLE_ARN,
        '--endpoint',
        w.emulator.url,
        '--no-cache',
      ],
      { env: { ...token.env, RAPKI_PKCS11_PIN: token.pin } },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
    const sts = new STSClient({
      endpoint: w.emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: out.AccessKeyId, secretAccessKey: out.SecretAccessKey, sessionToken: out.SessionToken },
      maxAttempts: 1,
    });
    try {
      const id = await sts.send(new GetCallerIdentityCommand({}));
      expect(id.Arn).toBe(`arn:aws:sts::123456789012:assumed-role/app-role/${serials[name]}`);
    } finally {
      sts.destroy();
    }
  });
});
