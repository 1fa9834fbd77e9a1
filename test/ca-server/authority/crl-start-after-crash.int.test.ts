/**
 * A revocation committed just before a crash (the CRL not yet rebuilt, the operator never got an
 * answer) must be in the CRL as soon as the CA starts again, not at the next scheduled refresh
 * (8 h by default): retrying the revocation only answers `already_revoked`, so nothing else would
 * ever publish it. Found by test/e2e/crash-safety.e2e.test.ts's "revoked in the inventory ⇒ in the CRL".
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { openCa } from '../../../ca-server/src/open-ca.js';
import type { CaStore } from '../../../ca-server/src/store/ca-store.js';
import { csrPem, makeTestCa, TEST_PASSPHRASE, type TestCa } from './fixtures.js';

function crlSerials(der: Uint8Array): string[] {
  const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: Buffer.from(der) }).toString();
  return [...text.matchAll(/Serial Number: ([0-9A-F]+)/gi)].map((m) => m[1]!.toLowerCase().replace(/^0+/, ''));
}

describe('CRL at start after a crash between a revocation and its CRL', () => {
  let t: TestCa | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('publishes a committed but unpublished revocation at start, with a higher CRL number', async () => {
    t = await makeTestCa();
    const tok = await t.ca.authority.createEnrollmentToken({ subject: 'web-1', sans: [] }, 'admin:test');
    const issued = await t.ca.authority.enroll(tok.token, csrPem('CN=web-1', []));
    const before = await t.ca.crl.current();
    await t.ca.close();

    // The process "dies" after the revocation commits and before the CRL is stored.
    t.clock.advance(1000);
    const crashing = await openCa({
      dir: t.dir,
      passphrase: TEST_PASSPHRASE,
      clock: t.clock.now,
      wrapStore: (s: CaStore) =>
        new Proxy(s, {
          get(target, prop, recv) {
            if (prop === 'saveCrl') return () => Promise.reject(new Error('killed'));
            const v = Reflect.get(target, prop, recv) as unknown;
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        }),
    });
    await expect(crashing.authority.revokeSerial(issued.serial, 'keyCompromise', 'admin:test')).rejects.toThrow('killed');
    await crashing.close();

    // Restart a minute later (well inside the 8 h refresh period).
    t.clock.advance(60_000);
    t.ca = await openCa({ dir: t.dir, passphrase: TEST_PASSPHRASE, clock: t.clock.now });
    // A retry by the operator cannot publish it: the certificate is already revoked.
    await expect(t.ca.authority.revokeSerial(issued.serial, 'keyCompromise', 'admin:test')).rejects.toMatchObject({ code: 'already_revoked' });
    await t.ca.crl.start();
    t.ca.crl.stop();
    const after = await t.ca.crl.current();
    expect(after!.number).toBeGreaterThan(before!.number);
    expect(crlSerials(after!.der)).toContain(issued.serial.toLowerCase().replace(/^0+/, ''));
  });

  it("compares contents, not times: a revocation stored with a time before the CRL's thisUpdate is published at start", async () => {
    // The clock steps back between the last CRL build and a revocation (or two builds cross after a
    // crash): the revocation's time is older than the stored CRL, but the CRL does not list it.
    t = await makeTestCa();
    const tok = await t.ca.authority.createEnrollmentToken({ subject: 'web-2', sans: [] }, 'admin:test');
    const issued = await t.ca.authority.enroll(tok.token, csrPem('CN=web-2', []));
    t.clock.advance(10_000);
    const before = await t.ca.crl.rebuild('a CRL built at T+10 s');
    await t.ca.close();
    t.clock.advance(-5_000);
    const crashing = await openCa({
      dir: t.dir,
      passphrase: TEST_PASSPHRASE,
      clock: t.clock.now,
      wrapStore: (s: CaStore) =>
        new Proxy(s, {
          get(target, prop, recv) {
            if (prop === 'saveCrl') return () => Promise.reject(new Error('killed'));
            const v = Reflect.get(target, prop, recv) as unknown;
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        }),
    });
    await expect(crashing.authority.revokeSerial(issued.serial, 'keyCompromise', 'admin:test')).rejects.toThrow('killed');
    await crashing.close();

    t.clock.advance(60_000);
    t.ca = await openCa({ dir: t.dir, passphrase: TEST_PASSPHRASE, clock: t.clock.now });
    expect((await t.ca.store.getCertificate(issued.serial))!.revokedAt!.getTime()).toBeLessThan(before.thisUpdate.getTime());
    expect(crlSerials((await t.ca.crl.current())!.der)).not.toContain(issued.serial.toLowerCase().replace(/^0+/, ''));
    await t.ca.crl.start();
    t.ca.crl.stop();
    const after = await t.ca.crl.current();
    expect(after!.number).toBeGreaterThan(before.number);
    expect(crlSerials(after!.der)).toContain(issued.serial.toLowerCase().replace(/^0+/, ''));
  });

  it('does not rebuild a current CRL at start when nothing was revoked since', async () => {
    t = await makeTestCa();
    const before = await t.ca.crl.current();
    await t.ca.close();
    t.clock.advance(60_000);
    t.ca = await openCa({ dir: t.dir, passphrase: TEST_PASSPHRASE, clock: t.clock.now });
    await t.ca.crl.start();
    t.ca.crl.stop();
    expect((await t.ca.crl.current())!.number).toBe(before!.number);
  });
});
