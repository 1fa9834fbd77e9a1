/**
 * `rapki ca init --key pkcs11:…` then `rapki ca serve` as real child processes over a SoftHSM2
 * token: the PIN comes from a pin-source file named in the URI (recorded in the store as a path, never
 * the PIN itself), a host enrolls with the CLI over HTTPS, openssl verifies its certificate against
 * the root and the CRL signature (`crl -CAfile`), and a wrong PIN stops `ca serve` with a coded error.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caStateOf } from '../../support/ca-store.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { ensureBuilt, runRapki, startCaServerProcess, type CaServerProcess } from '../../support/ca-server.js';
import { makeTempDir, opensslRun, removeTempDir } from '../../support/openssl.js';
import { createSoftHsmToken, SOFTHSM_AVAILABLE, SOFTHSM_SKIP_REASON, type SoftHsmToken } from '../../support/softhsm.js';

if (!SOFTHSM_AVAILABLE) console.warn(SOFTHSM_SKIP_REASON);

const PIN = 'test-only-pin-e2e-4b8d';
const TOKEN = 'rapki-ca-cli';
const fail = (r: CliResult | { status: number | null; stdout: string; stderr: string }): string => `${JSON.stringify(r)}`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe.skipIf(!SOFTHSM_AVAILABLE)('rapki ca init --key pkcs11: + ca serve (SoftHSM2, real processes)', () => {
  let tmp: string;
  let token: SoftHsmToken;
  let dir: string;
  let pinFile: string;
  let adminToken: string;
  let ca: CaServerProcess | undefined;

  beforeAll(async () => {
    ensureBuilt();
    tmp = await makeTempDir('rapki-ca-p11-cli-');
    token = createSoftHsmToken(TOKEN, { pin: PIN, setProcessEnv: false });
    pinFile = join(tmp, 'pin');
    writeFileSync(pinFile, `${PIN}\n`, { mode: 0o600 });
    dir = join(tmp, 'ca');
    const r = runRapki(
      [
        'ca',
        'init',
        '--dir',
        dir,
        '--json',
        '--key-type',
        'ec-p384',
        '--intermediate',
        '--key',
        `pkcs11:token=${TOKEN};object=cli-ca?pin-source=${pinFile}`,
        '--pkcs11-lib',
        token.module,
      ],
      { ...token.env, RAPKI_CA_PASSPHRASE: '' },
    );
    expect(r.status, fail(r)).toBe(0);
    adminToken = (JSON.parse(r.stdout) as { adminToken: string }).adminToken;
  }, 60_000);

  afterAll(async () => {
    await ca?.stop();
    token?.cleanup();
    if (tmp) await removeTempDir(tmp);
  });

  it('the store records the key URIs with the pin-source path, no PIN and no key file', async () => {
    const { state, rootKey, issuingKey } = await caStateOf(dir);
    expect(rootKey).toMatchObject({ kind: 'pkcs11', value: expect.stringMatching(new RegExp(`^pkcs11:token=${TOKEN};.*object=cli-ca;type=private;id=`)) });
    expect(issuingKey?.value).toContain('object=cli-ca-issuing;');
    expect(rootKey?.value).toContain(`pin-source=${pinFile}`);
    expect(state.config?.pkcs11Module).toBe(token.module);
    expect(readdirSync(dir).filter((n) => n.includes('.key'))).toEqual([]);
  });

  it('a wrong PIN at serve exits 1 with pkcs11_wrong_pin and does not serve', async () => {
    writeFileSync(pinFile, 'wrong-pin-9999\n');
    try {
      const r = runRapki(['ca', 'serve', '--dir', dir, '--listen', '127.0.0.1:0'], { ...token.env, RAPKI_CA_PASSPHRASE: '' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^rapki: pkcs11_wrong_pin: /m);
      expect(r.stdout).not.toContain('listening');
      expect(r.stderr).not.toContain('wrong-pin-9999');
    } finally {
      writeFileSync(pinFile, `${PIN}\n`);
    }
  }, 60_000);

  it('admin-token create --dir opens the token key (not a passphrase): a wrong PIN is refused, the right one makes a token', async () => {
    writeFileSync(pinFile, 'wrong-pin-9999\n');
    try {
      const bad = await runCli(['admin-token', 'create', '--dir', dir, '--name', 'recovered'], { env: { ...token.env } });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^rapki: pkcs11_wrong_pin: /);
      expect(bad.out).toBe('');
    } finally {
      writeFileSync(pinFile, `${PIN}\n`);
    }
    const ok = await runCli(['admin-token', 'create', '--dir', dir, '--name', 'recovered', '--role', 'admin'], { env: { ...token.env } });
    expect(ok.code, fail(ok)).toBe(0);
    expect(ok.out).toMatch(/^rapki_at_[A-Za-z0-9_-]{43}\n$/);
  }, 60_000);

  it('ca serve signs with the token key: a host enrolls, openssl verifies the leaf and the CRL; no PIN in the CA directory', async () => {
    ca = await startCaServerProcess({ dir, adminToken, env: { ...token.env, RAPKI_CA_PASSPHRASE: '' } });
    const caEnv = { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: adminToken };
    const t = await runCli(['token', 'create', '--subject', 'web-1', '--ttl', '15m'], { env: caEnv });
    expect(t.code, fail(t)).toBe(0);
    const tokenFile = join(tmp, 'enroll-token');
    writeFileSync(tokenFile, t.out, { mode: 0o600 });
    const out = join(tmp, 'host');
    const e = await runCli(['enroll', '--token-file', tokenFile, '--out', out, '--key-type', 'ec-p256', '--json'], {
      env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint },
      timeoutMs: 60_000,
    });
    expect(e.code, fail(e)).toBe(0);
    const v = await opensslRun(['verify', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(out, 'chain.pem'), join(out, 'certificate.pem')]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain(': OK');
    expect(readFileSync(join(out, 'chain.pem'), 'utf8')).toBe(readFileSync(join(dir, 'intermediate.pem'), 'utf8'));

    const serial = (/^serial=([0-9A-Fa-f]+)/m.exec((await opensslRun(['x509', '-in', join(out, 'certificate.pem'), '-noout', '-serial'])).stdout) ?? [])[1]!;
    const rv = await runCli(['cert', 'revoke', serial, '--reason', 'keyCompromise'], { env: caEnv });
    expect(rv.code, fail(rv)).toBe(0);
    const crlFile = join(tmp, 'crl.pem');
    const g = await runCli(['crl', 'get', '--pem', '--out', crlFile], { env: caEnv });
    expect(g.code, fail(g)).toBe(0);
    const bundle = join(tmp, 'ca-bundle.pem');
    writeFileSync(bundle, readFileSync(join(dir, 'root.pem'), 'utf8') + readFileSync(join(dir, 'intermediate.pem'), 'utf8'));
    const c = await opensslRun(['crl', '-in', crlFile, '-CAfile', bundle, '-noout', '-text']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toMatch(/verify OK/);
    expect(c.stdout.toUpperCase()).toContain(serial.toUpperCase().replace(/^0+/, ''));
    // The CRL is not verifiable with the root alone: the token's issuing key signed it.
    const rootOnly = await opensslRun(['crl', '-in', crlFile, '-CAfile', join(dir, 'root.pem'), '-noout']);
    expect(rootOnly.stderr).not.toMatch(/verify OK/);

    for (const f of filesUnder(dir)) expect(readFileSync(f).includes(Buffer.from(PIN)), f).toBe(false);
  }, 90_000);

  it('ca backup signs the manifest with the root key on the token; openssl verifies it; ca restore accepts it with the expected fingerprint', async () => {
    const fp = (await caStateOf(dir)).state.config!.rootId;
    const out = join(tmp, 'backup');
    const b = runRapki(['ca', 'backup', '--dir', dir, '--out', out, '--json'], { ...token.env, RAPKI_CA_PASSPHRASE: '' });
    expect(b.status, fail(b)).toBe(0);
    const sig = JSON.parse(readFileSync(join(out, 'backup.sig'), 'utf8')) as { algorithm: string; signature: string };
    expect(sig.algorithm).toBe('ecdsa-with-SHA384');
    writeFileSync(join(tmp, 'backup.sig.der'), Buffer.from(sig.signature, 'base64'));
    const pub = await opensslRun(['x509', '-in', join(dir, 'root.pem'), '-noout', '-pubkey']);
    writeFileSync(join(tmp, 'root.pub'), pub.stdout);
    const v = await opensslRun(['dgst', '-sha384', '-verify', join(tmp, 'root.pub'), '-signature', join(tmp, 'backup.sig.der'), join(out, 'backup.json')]);
    expect(v.stdout.trim(), v.stderr).toBe('Verified OK');
    const r = runRapki(['ca', 'restore', '--from', out, '--dir', join(tmp, 'restored'), '--expect-fingerprint', fp], {});
    expect(r.status, fail(r)).toBe(0);
    for (const f of filesUnder(out)) expect(readFileSync(f).includes(Buffer.from(PIN)), f).toBe(false);
  }, 60_000);
});
