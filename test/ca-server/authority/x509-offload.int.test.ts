import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { makeTempDir, removeTempDir } from '../../support/openssl.js';
import { x509Adapter } from '../../../ca-server/src/authority/x509-adapter.js';
import { offloadX509, type OffloadedX509 } from '../../../ca-server/src/authority/x509-offload.js';
import { createCsr } from '../x509/create-csr.js';
import { derToPem } from '../../../common/src/x509/pem.js';
import { newSerial } from '../../../common/src/x509/serial.js';
import { makeTestCa, NOW, type TestCa } from '../x509/ca-fixture.js';
import { flipByte } from '../../support/bytes.js';

let dir: string;
let workerUrl: URL;
let ca: TestCa;
let other: TestCa;
let off: OffloadedX509;
const inline = x509Adapter();

function csrPem(cn: string, sans: { type: 'dns'; value: string }[] = []): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return derToPem(createCsr({ subject: `CN=${cn}`, sans, privateKey }), 'CERTIFICATE REQUEST');
}

async function errorOf(f: () => unknown): Promise<{ name: string; code: unknown; message: string }> {
  try {
    await f();
  } catch (err) {
    const e = err as Error & { code?: unknown };
    return { name: e.name, code: e.code, message: e.message };
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  dir = await makeTempDir('rapki-x509-offload-');
  // The worker thread needs JavaScript: bundle its entry as `npm run build` does.
  const out = join(dir, 'ca-x509-worker.mjs');
  await build({
    entryPoints: [new URL('../../../ca-server/src/authority/x509-worker-thread.ts', import.meta.url).pathname],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  workerUrl = pathToFileURL(out);
  ca = await makeTestCa(dir, 'ec-p256');
  other = await makeTestCa(dir, 'ec-p256', { name: 'other' });
  off = offloadX509(inline, workerUrl);
});
afterAll(async () => {
  await off?.close();
  await removeTempDir(dir);
});

describe('offloadX509', () => {
  it('parses CSRs on the worker exactly as inline, concurrently', async () => {
    const pems = Array.from({ length: 20 }, (_, i) => csrPem(`host-${i}.example.com`, [{ type: 'dns', value: `host-${i}.example.com` }]));
    const got = await Promise.all(pems.map((p) => off.port.parseCsr(p)));
    for (const [i, p] of pems.entries()) {
      expect(got[i]).toEqual(await inline.parseCsr(p));
      expect(Object.isFrozen(got[i])).toBe(true);
      expect(got[i]!.publicKeySpki).toBeInstanceOf(Uint8Array);
    }
  });

  it('returns the same coded errors as inline (garbage, tampered signature)', async () => {
    const garbage = '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n';
    const remote = await errorOf(() => off.port.parseCsr(garbage));
    const local = await errorOf(() => inline.parseCsr(garbage));
    expect(remote).toEqual(local);
    expect(remote).toMatchObject({ name: 'RapkiError', code: 'csr_unparsable' });
    const pem = csrPem('victim.example.com');
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    flipByte(der, der.indexOf(Buffer.from('victim')) + 1);
    const tampered = derToPem(der, 'CERTIFICATE REQUEST');
    expect(await errorOf(() => off.port.parseCsr(tampered))).toMatchObject({ code: 'csr_bad_signature' });
  });

  it('lints on the worker: a good leaf passes, a leaf checked against the wrong issuer fails with certificate_lint_failed', async () => {
    const csr = await off.port.parseCsr(csrPem('web-1.example.com', [{ type: 'dns', value: 'web-1.example.com' }]));
    const sans = [{ type: 'dns' as const, value: 'web-1.example.com' }];
    const der = await inline.issueLeaf({
      issuerCertificate: ca.issuer.der,
      issuerSigner: ca.issuer.signer,
      subject: 'CN=web-1.example.com',
      sans,
      publicKeySpki: csr.publicKeySpki,
      serial: newSerial(randomBytes),
      notBefore: new Date(NOW.getTime() - 60_000),
      notAfter: new Date(NOW.getTime() + 86_400_000),
      extKeyUsage: ['clientAuth'],
    });
    await expect(off.port.lintLeaf(der, ca.issuer.der, sans)).resolves.toBeUndefined();
    const wrong = await errorOf(() => off.port.lintLeaf(der, other.issuer.der, sans));
    expect(wrong).toEqual(await errorOf(() => inline.lintLeaf(der, other.issuer.der, sans)));
    expect(wrong.code).toBe('certificate_lint_failed');
    expect(await errorOf(() => off.port.lintLeaf(der, ca.issuer.der, [{ type: 'dns', value: 'other.example.com' }]))).toMatchObject({
      code: 'certificate_lint_failed',
      message: expect.stringContaining('subject-alt-name'),
    });
  });

  it('falls back to inline when the worker thread dies, and reports it once', async () => {
    const dying = join(dir, 'dying-worker.mjs');
    writeFileSync(dying, 'process.exit(3);\n');
    const errors: unknown[] = [];
    const d = offloadX509(inline, pathToFileURL(dying), (e) => errors.push(e));
    try {
      // Sent before the thread died: re-run inline when it exits, never failed because of it. The
      // thread never answers, so this resolves only after its exit was seen (and reported).
      await expect(d.port.parseCsr(csrPem('a.example.com'))).resolves.toMatchObject({ commonName: 'a.example.com' });
      expect(errors).toHaveLength(1);
      expect(String(errors[0])).toMatch(/worker thread exited/);
      await expect(d.port.parseCsr(csrPem('b.example.com'))).resolves.toMatchObject({ commonName: 'b.example.com' });
      // Coded errors keep their codes inline too.
      await expect(Promise.resolve().then(() => d.port.parseCsr('garbage'))).rejects.toMatchObject({ code: 'csr_unparsable' });
      expect(errors).toHaveLength(1); // once, whatever comes after
    } finally {
      await d.close();
    }
  });
});
