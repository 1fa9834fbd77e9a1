/**
 * A replica that dies between a revocation's commit and its CRL (docs/ha.md "Work done once"): the
 * revocation must reach a CRL soon, not at the leader's next scheduled rebuild (8 h by default;
 * retrying only answers `already_revoked`). When that replica starts again it is not the leader,
 * yet it compares the CRL with the store and builds one that lists the revocation; if it never
 * comes back, the leader's periodic check does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readCrl } from '../../../common/src/x509/crl.js';
import { openCa, type OpenCa } from '../../../ca-server/src/open-ca.js';
import type { RotatingCrlManager } from '../../../ca-server/src/rotation/rotating-crl.js';
import type { CaStore } from '../../../ca-server/src/store/ca-store.js';
import { csrPem, makeTestCa, TEST_PASSPHRASE, type TestCa } from '../authority/fixtures.js';

const hex = (s: string): string => s.toLowerCase().replace(/^0+/, '');

describe('a replica dies between a revocation and its CRL', () => {
  let t: TestCa | undefined;
  const others: OpenCa[] = [];
  afterEach(async () => {
    for (const o of others.splice(0)) await o.close();
    await t?.cleanup();
    t = undefined;
  });

  /** Replica X (not the leader) revokes and "dies" before its CRL is stored; returns the serial. */
  async function revokeAndDie(): Promise<string> {
    t = await makeTestCa();
    await t.ca.crl.rebuild('first');
    const tok = await t.ca.authority.createEnrollmentToken({ subject: 'lost-1', sans: [] }, 'admin:test');
    const issued = await t.ca.authority.enroll(tok.token, csrPem('CN=lost-1', []));
    t.clock.advance(1000);
    const x = await openCa({
      dir: t.dir,
      passphrase: TEST_PASSPHRASE,
      clock: t.clock.now,
      leader: () => false,
      wrapStore: (s: CaStore) =>
        new Proxy(s, {
          get(target, prop, recv) {
            if (prop === 'saveCrl') return () => Promise.reject(new Error('killed'));
            const v = Reflect.get(target, prop, recv) as unknown;
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        }),
    });
    await expect(x.authority.revokeSerial(issued.serial, 'keyCompromise', 'admin:test')).rejects.toThrow('killed');
    await x.close();
    t.clock.advance(60_000);
    return issued.serial;
  }

  it('started again as a replica that does not lead, it builds a CRL listing the revocation', async () => {
    const serial = await revokeAndDie();
    const x2 = await openCa({ dir: t!.dir, passphrase: TEST_PASSPHRASE, clock: t!.clock.now, leader: () => false });
    others.push(x2);
    const before = (await x2.crl.current())!;
    expect(readCrl(before.der).serials.map(hex)).not.toContain(hex(serial));
    await x2.crl.start();
    x2.crl.stop();
    const after = (await x2.crl.current())!;
    expect(after.number).toBeGreaterThan(before.number);
    expect(readCrl(after.der).serials.map(hex)).toContain(hex(serial));
  });

  it("never started again: the leader's periodic check rebuilds the CRL", async () => {
    const serial = await revokeAndDie();
    const crl = t!.ca.rotation.crl as RotatingCrlManager;
    await crl.checkEverything('leader check');
    expect(readCrl((await crl.current())!.der).serials.map(hex)).toContain(hex(serial));
    // Nothing differs any more: no new CRL.
    const n = (await crl.current())!.number;
    await crl.checkEverything('leader check');
    expect((await crl.current())!.number).toBe(n);
  });
});
