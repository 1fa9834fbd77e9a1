/**
 * Two processes on one store (replicas) revoking at the same moment: each builds a CRL under a
 * number the store allocated, and the one that stores last finds a greater number stored. Its
 * revocation committed before its number was allocated, so the greater CRL (allocated later, its
 * entries read later) lists it: the revocation is answered with that CRL, not with an error (a
 * revocation that committed must never be answered 500), and that replica serves the stored bytes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readCrl } from '../../../common/src/x509/crl.js';
import { openCa, type OpenCa } from '../../../ca-server/src/open-ca.js';
import type { CaStore } from '../../../ca-server/src/store/ca-store.js';
import { csrPem, makeTestCa, TEST_PASSPHRASE, type TestCa } from './fixtures.js';

const hex = (s: string): string => s.toLowerCase().replace(/^0+/, '');

describe('two CRL builders on one store', () => {
  let t: TestCa | undefined;
  let b: OpenCa | undefined;
  afterEach(async () => {
    await b?.close();
    await t?.cleanup();
    t = undefined;
    b = undefined;
  });

  it('the builder that loses the race answers with the newer stored CRL, which lists its revocation', async () => {
    t = await makeTestCa();
    const enroll = async (h: string) =>
      t!.ca.authority.enroll((await t!.ca.authority.createEnrollmentToken({ subject: h, sans: [] }, 'admin:test')).token, csrPem(`CN=${h}`, []));
    const x = await enroll('race-x');
    const y = await enroll('race-y');
    // Replica B: its CRL save waits until A has stored a newer CRL.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let saving!: () => void;
    const bSaving = new Promise<void>((r) => (saving = r));
    b = await openCa({
      dir: t.dir,
      passphrase: TEST_PASSPHRASE,
      clock: t.clock.now,
      wrapStore: (s: CaStore) =>
        new Proxy(s, {
          get(target, prop, recv) {
            const v = Reflect.get(target, prop, recv) as unknown;
            if (prop === 'saveCrl') {
              return async (...args: unknown[]) => {
                saving();
                await gate;
                return (v as (...a: unknown[]) => Promise<void>).apply(target, args);
              };
            }
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        }),
    });
    const bRevoke = b.authority.revokeSerial(x.serial, 'keyCompromise', 'admin:test');
    await bSaving; // B committed x's revocation and holds CRL number N, not yet stored
    const a = await t.ca.authority.revokeSerial(y.serial, 'keyCompromise', 'admin:test');
    release();
    const bDone = await bRevoke;
    expect(bDone.crlNumber).toBe(a.crlNumber);
    const served = (await b.crl.current())!;
    expect(served.number).toBe(a.crlNumber);
    expect(readCrl(served.der).serials.map(hex)).toEqual(expect.arrayContaining([hex(x.serial), hex(y.serial)]));
    expect(Buffer.from(served.der).equals(Buffer.from((await t.ca.crl.current())!.der))).toBe(true);
  });
});
