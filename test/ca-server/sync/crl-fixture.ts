/**
 * Test-only CA and CRLs made with @peculiar/x509 and WebCrypto (independent of the CA's own
 * x509 layer, so a bug there cannot hide here). `openssl` checks them in test/common/x509/crl.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x509 } from '../x509/peculiar.js';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestCa {
  readonly certPem: string;
  readonly certDer: Uint8Array;
  readonly keys: CryptoKeyPair;
  /** A CRL numbered `number` with `entries` revoked serials (16 random-looking bytes each, with a reason code). */
  crl(number: number | bigint, entries?: number): Promise<{ der: Uint8Array; pem: string }>;
  /**
   * A CRL with many entries, signed by the same CA through `openssl ca -gencrl` (building 4,600
   * entries with @peculiar/x509 takes ~10 s; openssl takes well under one).
   */
  bigCrl(number: number, entries: number): Promise<{ der: Uint8Array; pem: string }>;
}

function derInteger(v: bigint): Uint8Array {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return new Uint8Array(Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]));
}

export async function makeTestCa(cn = 'rapki test-only CA'): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${cn}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 365 * 86400_000),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certPem: cert.toString('pem'),
    certDer: new Uint8Array(cert.rawData),
    keys,
    async crl(number, entries = 0) {
      const list: x509.X509CrlEntryParams[] = [];
      for (let i = 0; i < entries; i++) {
        list.push({
          serialNumber: (BigInt(i + 1) * 0x9e3779b97f4a7c15n + (1n << 120n)).toString(16).slice(0, 32),
          revocationDate: new Date(Date.now() - 1000),
          reason: x509.X509CrlReason.keyCompromise,
        });
      }
      const crl = await x509.X509CrlGenerator.create({
        issuer: cert.subject,
        thisUpdate: new Date(Date.now() - 1000),
        nextUpdate: new Date(Date.now() + 86400_000),
        signingAlgorithm: ALG,
        signingKey: keys.privateKey,
        entries: list,
        extensions: [new x509.Extension('2.5.29.20', false, derInteger(BigInt(number))), await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey)],
      });
      return { der: new Uint8Array(crl.rawData), pem: crl.toString('pem') };
    },
    async bigCrl(number, entries) {
      const dir = mkdtempSync(join(tmpdir(), 'rapki-bigcrl-'));
      try {
        const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
        writeFileSync(join(dir, 'ca.key'), `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`, { mode: 0o600 });
        writeFileSync(join(dir, 'ca.pem'), cert.toString('pem'));
        writeFileSync(join(dir, 'crlnumber'), `${number.toString(16).padStart(2, '0')}\n`);
        const lines: string[] = [];
        for (let i = 0; i < entries; i++) {
          const serial = (BigInt(i + 1) * 0x9e3779b97f4a7c15n + (1n << 120n)).toString(16).padStart(32, '1').slice(0, 32).toUpperCase();
          lines.push(`R\t301231235959Z\t250101000000Z,keyCompromise\t${serial}\tunknown\t/CN=host-${i}`);
        }
        writeFileSync(join(dir, 'index.txt'), `${lines.join('\n')}\n`);
        writeFileSync(
          join(dir, 'openssl.cnf'),
          [
            '[ ca ]',
            'default_ca = CA_default',
            '[ CA_default ]',
            `database = ${join(dir, 'index.txt')}`,
            `crlnumber = ${join(dir, 'crlnumber')}`,
            `certificate = ${join(dir, 'ca.pem')}`,
            `private_key = ${join(dir, 'ca.key')}`,
            'default_md = sha256',
            'default_crl_days = 1',
            'crl_extensions = crl_ext',
            '[ crl_ext ]',
            'authorityKeyIdentifier = keyid:always',
            '',
          ].join('\n'),
        );
        execFileSync('openssl', ['ca', '-gencrl', '-batch', '-config', join(dir, 'openssl.cnf'), '-out', join(dir, 'crl.pem')], { stdio: 'pipe' });
        const pem = readFileSync(join(dir, 'crl.pem'), 'utf8');
        const b64 = /-----BEGIN X509 CRL-----([\s\S]+?)-----END X509 CRL-----/.exec(pem)![1]!.replace(/\s+/g, '');
        return { der: new Uint8Array(Buffer.from(b64, 'base64')), pem };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
