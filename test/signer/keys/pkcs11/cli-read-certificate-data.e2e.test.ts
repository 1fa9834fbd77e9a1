/**
 * The built CLI's `read-certificate-data --certificate pkcs11:…` against a SoftHSM2 token that
 * pkcs11-tool filled: the "Matching identities" listing names each certificate object on the token
 * the URI matches (fingerprint, subject, issuer, serial checked against the files openssl issued),
 * each listed URI selects exactly its own certificate again, and no match prints
 * "No matching identities" with exit 0, as the official helper.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../support/cli.js';
import { addTokenIdentity, createSoftHsmToken, SOFTHSM_AVAILABLE, SOFTHSM_SKIP_REASON, type SoftHsmToken } from '../../../support/softhsm.js';
import { TestPki } from '../../session/test-pki.js';

if (!SOFTHSM_AVAILABLE) console.warn(SOFTHSM_SKIP_REASON);

let token: SoftHsmToken;
let dir: string;
let pinFile: string;
const certs: Record<'rsa' | 'ec', { der: Buffer; cn: string }> = {} as never;

/** The block the listing should print for `der`, from node:crypto's view of the certificate. */
function fieldsOf(der: Buffer): { fingerprint: string; serial: string; subject: string; issuer: string } {
  const x = new X509Certificate(der);
  const goName = (s: string): string => s.split('\n').reverse().join(',');
  return {
    fingerprint: createHash('sha1').update(der).digest('hex'),
    serial: x.serialNumber.replace(/^0+(?=.)/, '').toUpperCase(),
    subject: goName(x.subject),
    issuer: goName(x.issuer),
  };
}

/**
 * Listing blocks, keyed by fingerprint. The official helper's layout, exactly: `Matching
 * identities`, then per certificate five unindented lines and an empty line.
 */
function parseListing(out: string): Map<string, { subject: string; issuer: string; serial: string; uri: string }> {
  const lines = out.split('\n');
  expect(lines[0]).toBe('Matching identities');
  expect(lines.slice(-2)).toEqual(['', '']);
  const blocks = new Map<string, { subject: string; issuer: string; serial: string; uri: string }>();
  for (let i = 1; i + 5 < lines.length; i += 6) {
    const fp = new RegExp(`^${blocks.size + 1}\\) Hex Fingerprint: ([0-9a-f]{40})$`).exec(lines[i]!)?.[1];
    expect(fp, lines[i]).toBeDefined();
    const field = (n: number, name: string): string => {
      const m = new RegExp(`^${name}: (.*)$`).exec(lines[i + n]!);
      expect(m, `${name} line: ${lines[i + n]}`).not.toBeNull();
      return m![1]!;
    };
    blocks.set(fp!, { subject: field(1, 'Subject'), issuer: field(2, 'Issuer'), serial: field(3, 'Serial Number'), uri: field(4, 'URI') });
    expect(lines[i + 5]).toBe('');
  }
  expect(1 + blocks.size * 6 + 1).toBe(lines.length);
  return blocks;
}

beforeAll(() => {
  if (!SOFTHSM_AVAILABLE) return;
  token = createSoftHsmToken('rapki-list');
  dir = mkdtempSync(join(tmpdir(), 'rapki-p11-list-'));
  const pki = new TestPki(dir);
  for (const [kind, keyType, id] of [
    ['rsa', 'rsa:2048', '01'],
    ['ec', 'EC:prime256v1', '02'],
  ] as const) {
    const c = addTokenIdentity(token, dir, { name: kind, keyType, id, cn: `${kind}.list.test`, ca: { cert: pki.rootCert, key: pki.rootKey } });
    certs[kind] = { der: readFileSync(c.derFile), cn: `${kind}.list.test` };
  }
  pinFile = join(dir, 'pin');
  writeFileSync(pinFile, '1234\n', { mode: 0o600 });
});

afterAll(() => {
  token?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ env: { ...token.env } });

describe.skipIf(!SOFTHSM_AVAILABLE)('rapki read-certificate-data with pkcs11: URIs (built CLI, SoftHSM2)', () => {
  it('lists every certificate on the token with its fields and a URI naming exactly that object', async () => {
    const r = await runCli(['read-certificate-data', '--certificate', 'pkcs11:token=rapki-list', '--pkcs11-lib', token.module], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const blocks = parseListing(r.out);
    expect(blocks.size).toBe(2);
    for (const [kind, id] of [
      ['rsa', '%01'],
      ['ec', '%02'],
    ] as const) {
      const want = fieldsOf(certs[kind].der);
      const got = blocks.get(want.fingerprint);
      expect(got, `${kind} certificate listed`).toBeDefined();
      expect(got!.subject).toBe(want.subject);
      expect(got!.subject).toBe(`CN=${certs[kind].cn}`);
      expect(got!.issuer).toBe(want.issuer);
      expect(got!.serial).toBe(want.serial);
      expect(got!.serial).toMatch(/^52[0-9A-F]{30}$/); // issueCertificateForPublicKey: 0x52 + 15 random bytes
      expect(got!.uri).not.toMatch(/pin|\?/i);
      const attrs = Object.fromEntries(
        got!.uri
          .replace(/^pkcs11:/, '')
          .split(';')
          .map((a) => a.split('=') as [string, string]),
      );
      expect(attrs).toEqual({
        token: 'rapki-list',
        manufacturer: 'SoftHSM%20project',
        serial: expect.stringMatching(/^[0-9a-f]{16}$/),
        model: 'SoftHSM%20v2',
        object: `${kind}-cert`,
        id,
        type: 'cert',
      });
    }
  });

  it('each listed URI selects its own certificate again; module-path in the URI works as --pkcs11-lib', async () => {
    const first = parseListing((await runCli(['read-certificate-data', '--certificate', 'pkcs11:token=rapki-list', '--pkcs11-lib', token.module], env())).out);
    for (const [fingerprint, block] of first) {
      const again = await runCli(['read-certificate-data', '--certificate', `${block.uri}?module-path=${token.module}`], env());
      expect(again.code).toBe(0);
      expect([...parseListing(again.out).keys()]).toEqual([fingerprint]);
    }
  });

  it('object= narrows the listing; a URI matching nothing prints "No matching identities" and exits 0', async () => {
    const one = await runCli(['read-certificate-data', '--certificate', 'pkcs11:token=rapki-list;object=ec-cert', '--pkcs11-lib', token.module], env());
    expect(one.code).toBe(0);
    expect([...parseListing(one.out).keys()]).toEqual([fieldsOf(certs.ec.der).fingerprint]);
    for (const uri of ['pkcs11:token=rapki-list;object=nope', 'pkcs11:token=other-token', 'pkcs11:token=rapki-list;id=%09']) {
      const none = await runCli(['read-certificate-data', '--certificate', uri, '--pkcs11-lib', token.module], env());
      expect(none.stderr).toBe('');
      expect(none.code).toBe(0);
      expect(none.out).toBe('No matching identities\n');
    }
  });

  it('with a PIN (pin-source) the listing is the same; pin-value warns and is never printed', async () => {
    const withPin = await runCli(
      ['read-certificate-data', '--certificate', `pkcs11:token=rapki-list;object=rsa-cert?pin-source=${pinFile}`, '--pkcs11-lib', token.module],
      env(),
    );
    expect(withPin.code).toBe(0);
    expect([...parseListing(withPin.out).keys()]).toEqual([fieldsOf(certs.rsa.der).fingerprint]);
    const pinValue = await runCli(
      ['read-certificate-data', '--certificate', 'pkcs11:token=rapki-list;object=rsa-cert?pin-value=1234', '--pkcs11-lib', token.module],
      env(),
    );
    expect(pinValue.code).toBe(0);
    expect(pinValue.stderr).toMatch(/^rapki: warning: pin-value= .*process list/);
    expect(pinValue.out + pinValue.stderr).not.toContain('1234');
    expect(pinValue.out).toBe(withPin.out);
  });

  it('a module that cannot be loaded is a coded error, exit 1', async () => {
    const r = await runCli(['read-certificate-data', '--certificate', 'pkcs11:token=rapki-list', '--pkcs11-lib', join(dir, 'missing.so')], env());
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.stderr).toMatch(/^rapki: pkcs11_[a-z_]+: /);
  });
});
