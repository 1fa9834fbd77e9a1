/**
 * A CA whose signing keys live on a PKCS#11 token (`initCa({pkcs11})`, `openCa`), with real parts:
 * a SoftHSM2 token, a real CA directory and SQLite store (which records the key URIs, never the
 * PIN), and independent checkers — `openssl verify`
 * for the leaves, `openssl crl -CAfile` for the CRL signature, `pkcs11-tool` (OpenSC) for the key's
 * attributes on the token.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCa } from '../../../ca-server/src/init.js';
import { openCa, type OpenCa } from '../../../ca-server/src/open-ca.js';
import { parsePkcs11Uri } from '../../../common/src/pkcs11/uri.js';
import { loadCaConfig } from '../../../ca-server/src/ca-config.js';
import { openStore } from '../../../ca-server/src/store/open-store.js';
import { systemClock, systemRandom } from '../../../common/src/clock-and-random.js';
import { makeNextGeneration } from '../../../ca-server/src/rotation/generation.js';
import { csrPem } from '../authority/fixtures.js';
import { makeTempDir, opensslRun, removeTempDir } from '../../support/openssl.js';
import { createSoftHsmToken, SOFTHSM_AVAILABLE, SOFTHSM_SKIP_REASON, type SoftHsmToken } from '../../support/softhsm.js';

if (!SOFTHSM_AVAILABLE) console.warn(SOFTHSM_SKIP_REASON);

/** A PIN long and odd enough that finding its bytes in a file cannot be a coincidence. */
const PIN = 'test-only-pin-7c3e91';
const TOKEN = 'rapki-ca-token';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** The CA's store in `dir` (SQLite), for one call. */
async function withCaStore<T>(dir: string, fn: (s: Awaited<ReturnType<typeof openStore>>['store']) => Promise<T>): Promise<T> {
  const o = await openStore({ location: { backend: 'sqlite', file: join(dir, 'ca.db'), display: 'sqlite:test' }, mustExist: true });
  try {
    return await fn(o.store);
  } finally {
    await o.close();
  }
}

/** The configuration the store holds (key type, the token keys' URIs and module). */
async function ca(dir: string): Promise<{ json: { keyType: string; pkcs11?: { rootKey: string; intermediateKey?: string; module?: string } } }> {
  return withCaStore(dir, async (s) => ({ json: (await loadCaConfig(s, dir)).config as never }));
}

describe.skipIf(!SOFTHSM_AVAILABLE)('CA keys on a PKCS#11 token (SoftHSM2)', () => {
  let token: SoftHsmToken;
  let tmp: string;
  const env = (pin = PIN) => ({ deps: { env: { RAPKI_PKCS11_PIN: pin } } });
  const opened: OpenCa[] = [];

  beforeAll(async () => {
    token = createSoftHsmToken(TOKEN, { pin: PIN });
    tmp = await makeTempDir('rapki-p11-ca-');
  });

  afterAll(async () => {
    for (const c of opened) await c.close();
    token?.cleanup();
    if (tmp) await removeTempDir(tmp);
  });

  const open = async (dir: string, pin = PIN): Promise<OpenCa> => {
    const c = await openCa({ dir, passphrase: '', pkcs11: env(pin) });
    opened.push(c);
    return c;
  };

  const tool = (args: string[]): string =>
    execFileSync('pkcs11-tool', ['--module', token.module, '--token-label', TOKEN, ...args], {
      env: { ...process.env, ...token.env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  /** Issues a leaf, revokes it, and checks leaf and CRL with openssl against the CA's certificates. */
  const issueRevokeAndCheck = async (c: OpenCa, dir: string, chainFiles: string[]) => {
    const tok = await c.authority.createEnrollmentToken({ subject: 'web-1', sans: [] }, 'admin:test');
    const issued = await c.authority.enroll(tok.token, csrPem('CN=web-1', []));
    const leaf = join(dir, '..', `leaf-${issued.serial}.pem`);
    writeFileSync(leaf, issued.certificatePem);
    const chain = join(dir, '..', `chain-${issued.serial}.pem`);
    writeFileSync(chain, chainFiles.map((f) => readFileSync(f, 'utf8')).join(''));
    const untrusted = chainFiles.length > 1 ? ['-untrusted', chainFiles[1]!] : [];
    const v = await opensslRun(['verify', '-CAfile', chainFiles[0]!, ...untrusted, leaf]);
    expect(v.stdout + v.stderr).toContain(': OK');
    expect(v.code).toBe(0);

    await c.authority.revokeSerial(issued.serial, 'keyCompromise', 'admin:test');
    const crl = await c.crl.current();
    expect(crl).toBeDefined();
    const crlFile = join(dir, '..', `crl-${issued.serial}.pem`);
    writeFileSync(crlFile, crl!.pem);
    const r = await opensslRun(['crl', '-in', crlFile, '-CAfile', chain, '-noout', '-text']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/verify OK/);
    expect(r.stdout.toUpperCase()).toContain(issued.serial.toUpperCase().replace(/^0+/, ''));
    // Sanity of the checker: the same CRL against an unrelated root does not verify.
    const other = join(dir, '..', 'other-root.pem');
    if (!existsSync(other)) {
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${other}.key`, '-subj', '/CN=other', '-out', other],
        { stdio: 'ignore' },
      );
    }
    const bad = await opensslRun(['crl', '-in', crlFile, '-CAfile', other, '-noout']);
    expect(bad.stderr).not.toMatch(/verify OK/);
  };

  it('ec-p256 root on the token: no key file, URI without PIN in ca.json, the key is sensitive and never extractable, leaves and CRL verify', async () => {
    const dir = join(tmp, 'ec');
    await initCa({ dir, keyType: 'ec-p256', pkcs11: { keyUri: `pkcs11:token=${TOKEN};object=ec-root`, module: token.module, ...env() } });
    const cfg = (await ca(dir)).json;
    expect(cfg.keyType).toBe('ec-p256');
    expect(cfg.pkcs11?.module).toBe(token.module);
    const uri = parsePkcs11Uri(cfg.pkcs11!.rootKey);
    expect(uri).toMatchObject({ token: TOKEN, object: 'ec-root', type: 'private' });
    expect(uri.id?.length).toBe(16);
    expect(cfg.pkcs11!.intermediateKey).toBeUndefined();
    expect(readdirSync(dir).filter((n) => n.endsWith('.key.enc'))).toEqual([]);

    const idHex = Buffer.from(uri.id!).toString('hex');
    const priv = tool(['--login', '--pin', PIN, '--list-objects', '--type', 'privkey'])
      .split(/\n(?=\S)/)
      .find((b) => new RegExp(`^\\s*ID:\\s*${idHex}\\s*$`, 'im').test(b));
    expect(priv).toMatch(/Access:[^\n]*\bsensitive\b[^\n]*never extractable/);
    expect(priv).toMatch(/Usage:[^\n]*\bsign\b/);

    const c = await open(dir);
    expect(c.issuer.signer.keyType).toBe('ec-p256');
    expect((c.issuer.signer as { offloadable?: boolean }).offloadable).toBe(false);
    await c.crl.start();
    c.crl.stop();
    await issueRevokeAndCheck(c, dir, [join(dir, 'root.pem')]);

    // Nothing in the CA directory (ca.json, PEMs, the SQLite store, TLS files) holds the PIN.
    for (const f of filesUnder(dir)) expect(readFileSync(f).includes(Buffer.from(PIN)), f).toBe(false);
  }, 60_000);

  it('rsa-3072 with --intermediate: both keys on the token (label and <label>-issuing), leaves verify through the chain, the intermediate signs the CRL', async () => {
    const dir = join(tmp, 'rsa');
    await initCa({ dir, keyType: 'rsa-3072', intermediate: true, pkcs11: { keyUri: `pkcs11:token=${TOKEN};object=rsa-ca`, module: token.module, ...env() } });
    const cfg = (await ca(dir)).json;
    expect(parsePkcs11Uri(cfg.pkcs11!.rootKey).object).toBe('rsa-ca');
    expect(parsePkcs11Uri(cfg.pkcs11!.intermediateKey!).object).toBe('rsa-ca-issuing');
    expect(readdirSync(dir).filter((n) => n.endsWith('.key.enc'))).toEqual([]);
    const c = await open(dir);
    expect(c.issuer.signer.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    await c.crl.start();
    c.crl.stop();
    await issueRevokeAndCheck(c, dir, [join(dir, 'root.pem'), join(dir, 'intermediate.pem')]);
    for (const f of filesUnder(dir)) expect(readFileSync(f).includes(Buffer.from(PIN)), f).toBe(false);
  }, 90_000);

  it('a wrong PIN, a missing PIN and a URI naming another key fail with coded errors', async () => {
    const dir = join(tmp, 'rsa');
    // PKCS#11 logins are per process and token (v2.40 §5.6): while another CA of this process is
    // logged in, C_Login answers CKR_USER_ALREADY_LOGGED_IN whatever the PIN. `ca serve` opens one
    // CA; close the others so that the token checks the PIN again.
    for (const c of opened.splice(0)) await c.close();
    await expect(openCa({ dir, passphrase: '', pkcs11: env('wrong-pin-000') })).rejects.toMatchObject({ code: 'pkcs11_wrong_pin' });
    await expect(openCa({ dir, passphrase: '', pkcs11: { deps: { env: {} } } })).rejects.toMatchObject({ code: 'pkcs11_pin_required' });
    // The store naming the root key for the intermediate certificate: the test signature does not verify.
    const cfg = (await ca(dir)).json as { pkcs11: { rootKey: string; intermediateKey: string } };
    const { rootId, issuerId } = await withCaStore(dir, async (s) => (await s.getCaState()).config!);
    const setKey = (caId: string, value: string) => withCaStore(dir, (s) => s.updateCaState({ putKeys: [{ caId, kind: 'pkcs11', value }] }));
    await setKey(issuerId, cfg.pkcs11.rootKey);
    try {
      await expect(openCa({ dir, passphrase: '', pkcs11: env() })).rejects.toMatchObject({ code: 'ca_config_invalid' });
      // ...and one naming no key on the token.
      await setKey(issuerId, `pkcs11:token=${TOKEN};object=nothing-here`);
      await expect(openCa({ dir, passphrase: '', pkcs11: env() })).rejects.toMatchObject({ code: 'pkcs11_key_not_found' });
      // A PIN in a recorded URI is refused as an invalid configuration.
      await setKey(issuerId, `${cfg.pkcs11.intermediateKey}?pin-value=${PIN}`);
      await expect(openCa({ dir, passphrase: '', pkcs11: env() })).rejects.toMatchObject({ code: 'ca_config_invalid' });
    } finally {
      await setKey(issuerId, cfg.pkcs11.intermediateKey);
      expect(rootId).not.toBe(issuerId);
    }
    // Intact again: it opens.
    await open(dir);
  }, 60_000);

  it('CA rotation of a token-held CA is refused with a coded error, and makes no next generation', async () => {
    const dir = join(tmp, 'ec');
    await withCaStore(dir, async (store) => {
      const { config, state } = await loadCaConfig(store, dir);
      await expect(
        makeNextGeneration({ store, state, config, passphrase: '', keyType: 'ec-p256', clock: systemClock, random: systemRandom }),
      ).rejects.toMatchObject({ code: 'invalid_request' });
      const after = await store.getCaState();
      expect(after.certificates.filter((c) => c.state === 'next')).toEqual([]);
      expect(after.rotation).toBeUndefined();
    });
  });
});
