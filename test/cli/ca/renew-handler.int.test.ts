/**
 * `rapki renew` (once and `--daemon`) against a loopback stand-in CA that issues real certificates
 * with @peculiar/x509 from the CSR it receives and checks the TLS client certificate.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, randomBytes, type webcrypto } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsrPem } from '../../../cli/src/ca-client/csr.js';
import { generateHostKey } from '../../../cli/src/ca-client/key-types.js';
import { parseSan } from '../../../cli/src/ca-client/san.js';
import { renewCommand, type DaemonEnv } from '../../../cli/src/handlers/renew.js';
import type { CommandIo } from '../../../cli/src/io.js';
import { makeTempDir, removeTempDir } from '../../support/openssl.js';
import { makeServerPki, startStub, type Pki, type StubServer } from './tls-fixture.js';

const H = 3_600_000;
let dir: string;
let pki: Pki;
let stub: StubServer;
let caKey: webcrypto.CryptoKey;
/** What the stub answers to the next POST /v1/renew calls (consumed in order; then 'issue'). */
let script: Array<'issue' | { status: number; code: string }> = [];
const issuedSerials: string[] = [];

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

async function issue(csrPem: string, notBefore: Date, notAfter: Date): Promise<{ pem: string; serial: string }> {
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!(await csr.verify())) throw new Error('bad CSR signature');
  const serialBytes = randomBytes(12);
  serialBytes[0] = (serialBytes[0]! & 0x7f) | 0x01;
  const serial = serialBytes.toString('hex');
  const issuer = new X509Certificate(pki.intermediatePem);
  const san = csr.getExtension('2.5.29.17');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: csr.subject,
    issuer: new x509.X509Certificate(issuer.raw).subject,
    notBefore,
    notAfter,
    publicKey: csr.publicKey,
    signingKey: caKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ...(san ? [san] : []),
    ],
  });
  return { pem: cert.toString('pem') + '\n', serial };
}

beforeAll(async () => {
  x509.cryptoProvider.set(globalThis.crypto);
  dir = await makeTempDir('rapki-renew-');
  pki = await makeServerPki(dir);
  caKey = await globalThis.crypto.subtle.importKey('pkcs8', pemToDer(pki.issuerKeyPem), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  stub = await startStub(pki, async (r) => {
    if (r.method !== 'POST' || r.path !== '/v1/renew') return undefined;
    if (!r.clientCert) return { status: 401, body: JSON.stringify({ code: 'client_certificate_required', message: 'no client certificate' }) };
    const step = script.shift() ?? 'issue';
    if (step !== 'issue') return { status: step.status, body: JSON.stringify({ code: step.code, message: `scripted ${step.code}` }) };
    const { csr } = JSON.parse(r.body) as { csr: string };
    // Same names as the client certificate, as the real CA demands.
    const presented = new X509Certificate(r.clientCert);
    const now = Date.now();
    const out = await issue(csr, new Date(now - 60_000), new Date(now + 24 * H));
    const fresh = new X509Certificate(out.pem);
    if (fresh.subject !== presented.subject || fresh.subjectAltName !== presented.subjectAltName) {
      return { status: 403, body: JSON.stringify({ code: 'name_mismatch', message: 'names differ' }) };
    }
    issuedSerials.push(out.serial);
    return {
      status: 201,
      body: JSON.stringify({ certificate: out.pem, chain: pki.intermediatePem, ca: pki.rootPem, serial: out.serial, notAfter: fresh.validTo }),
    };
  });
});
afterAll(async () => {
  await stub?.close();
  await removeTempDir(dir);
});

/** A host directory as `rapki enroll` leaves it, with a certificate valid [now-ageH, now+leftH]. */
async function hostWith(name: string, ageH: number, leftH: number): Promise<string> {
  const d = join(dir, name);
  await mkdir(d, { mode: 0o700 });
  const key = await generateHostKey('ec-p256');
  const csr = buildCsrPem({ commonName: name, sans: [parseSan(`dns:${name}.example.com`)], privateKey: key.privateKey, publicKey: key.publicKey });
  const now = Date.now();
  const cert = await issue(csr, new Date(now - ageH * H), new Date(now + leftH * H));
  await writeFile(join(d, 'certificate.pem'), cert.pem);
  await writeFile(join(d, 'private-key.pem'), key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  await writeFile(join(d, 'chain.pem'), pki.intermediatePem);
  await writeFile(join(d, 'ca.pem'), pki.rootPem);
  return d;
}

function io(): CommandIo & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    env: {},
    stdoutIsTty: false,
    stdout: (t: string | Uint8Array) => void (o.out += String(t)),
    stderr: (t: string) => void (o.err += t),
  };
  return o;
}

function fakeDaemon(stopAfterSleeps: number): DaemonEnv & { sleeps: number[] } {
  const ac = new AbortController();
  const sleeps: number[] = [];
  let offset = 0; // virtual time: sleeping moves the clock on
  return {
    sleeps,
    now: () => new Date(Date.now() + offset),
    random: () => 0.5,
    signal: ac.signal,
    sleep: async (ms) => {
      sleeps.push(ms);
      offset += ms;
      if (sleeps.length >= stopAfterSleeps) ac.abort();
    },
  };
}

const args = (d: string, extra: Record<string, unknown> = {}) => ({
  'ca-url': stub.url.href,
  certificate: join(d, 'certificate.pem'),
  'private-key': join(d, 'private-key.pem'),
  ...extra,
});

describe('rapki renew', () => {
  it('renews once over TLS client auth, trusting the ca.pem next to the certificate; new key, files swapped', async () => {
    const d = await hostWith('once-1', 1, 23);
    const oldCert = await readFile(join(d, 'certificate.pem'), 'utf8');
    const oldKey = await readFile(join(d, 'private-key.pem'), 'utf8');
    const o = io();
    expect(await renewCommand(args(d, { json: true }) as never, o)).toBe(0);
    const res = JSON.parse(o.out) as { serial: string; previousSerial: string };
    expect(res.serial).toBe(issuedSerials.at(-1));
    expect(BigInt(`0x${res.previousSerial}`)).toBe(BigInt(`0x${new X509Certificate(oldCert).serialNumber}`));
    const cert = new X509Certificate(await readFile(join(d, 'certificate.pem')));
    expect(cert.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(res.serial.replace(/^0+/, ''));
    const key = await readFile(join(d, 'private-key.pem'), 'utf8');
    expect(key).not.toBe(oldKey);
    expect(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(key))).toBe(true);
    expect((await stat(join(d, 'private-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await readdir(d)).sort()).toEqual(['ca.pem', 'certificate.pem', 'chain.pem', 'private-key.pem']);
  });

  it('--reuse-key keeps the key and --key-type changes it', async () => {
    const d = await hostWith('keys-1', 1, 23);
    const oldKey = await readFile(join(d, 'private-key.pem'), 'utf8');
    expect(await renewCommand(args(d, { 'reuse-key': true }) as never, io())).toBe(0);
    expect(await readFile(join(d, 'private-key.pem'), 'utf8')).toBe(oldKey);
    expect(await renewCommand(args(d, { 'key-type': 'ec-p384' }) as never, io())).toBe(0);
    const k = (await import('node:crypto')).createPrivateKey(await readFile(join(d, 'private-key.pem')));
    expect(k.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
  });

  it("reports the server's refusal with its code and leaves the files alone", async () => {
    const d = await hostWith('revoked-1', 1, 23);
    const before = await readFile(join(d, 'certificate.pem'), 'utf8');
    script = [{ status: 403, code: 'certificate_revoked' }];
    const o = io();
    expect(await renewCommand(args(d) as never, o)).toBe(1);
    expect(o.err).toMatch(/^rapki: certificate_revoked: scripted certificate_revoked$/m);
    expect(await readFile(join(d, 'certificate.pem'), 'utf8')).toBe(before);
  });

  it('refuses a key that is not the certificate’s', async () => {
    const d = await hostWith('mismatch-1', 1, 23);
    const other = await hostWith('mismatch-2', 1, 23);
    const o = io();
    expect(await renewCommand({ ...args(d), 'private-key': join(other, 'private-key.pem') } as never, o)).toBe(1);
    expect(o.err).toMatch(/^rapki: file_invalid: .*is not the key of/m);
  });
});

describe('rapki renew --daemon', () => {
  it('renews at once when past 2/3 of the lifetime, then sleeps until 2/3 of the new one', async () => {
    const d = await hostWith('daemon-1', 20, 4);
    const before = issuedSerials.length;
    const env = fakeDaemon(1);
    const o = io();
    expect(await renewCommand(args(d, { daemon: true }) as never, o, env)).toBe(0);
    expect(issuedSerials.length).toBe(before + 1);
    expect(env.sleeps).toHaveLength(1);
    // New certificate valid until now + 24 h (backdated 1 min): 2/3 counted from when it was obtained.
    const expected = (2 / 3) * 24 * H;
    expect(Math.abs(env.sleeps[0]! - expected)).toBeLessThan(10_000);
    expect(o.err).toMatch(/next renewal at/);
  });

  it('backs off after failures, then renews', async () => {
    const d = await hostWith('daemon-2', 20, 4);
    script = [
      { status: 503, code: 'not_ready' },
      { status: 500, code: 'internal_error' },
    ];
    const env = fakeDaemon(3);
    const o = io();
    expect(await renewCommand(args(d, { daemon: true }) as never, o, env)).toBe(0);
    expect(env.sleeps).toHaveLength(3);
    expect(env.sleeps[0]).toBe(3_750); // attempt 1: 5 s base, random 0.5 → 3.75 s
    expect(env.sleeps[1]).toBe(7_500);
    expect(env.sleeps[2]).toBeGreaterThan(15 * H);
    expect(o.err).toMatch(/rapki: not_ready: .*attempt 1; retrying/);
    expect(o.out).toMatch(/^renewed: serial [0-9a-f]+/m);
  });

  it('stops with an error on a terminal refusal', async () => {
    const d = await hostWith('daemon-3', 20, 4);
    script = [{ status: 403, code: 'host_blocked' }];
    const env = fakeDaemon(5);
    const o = io();
    expect(await renewCommand(args(d, { daemon: true }) as never, o, env)).toBe(1);
    expect(env.sleeps).toEqual([]);
    expect(o.err).toMatch(/^rapki: host_blocked: /m);
  });
});
