import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrlManager } from '../../../ca-server/src/authority/crl-manager.js';
import { authorityConfig } from '../../../ca-server/src/authority/authority-config.js';
import { makeTestCa, type TestCa } from './fixtures.js';

describe('CrlManager', () => {
  let t: TestCa;
  beforeEach(async () => {
    t = await makeTestCa();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  function manager(events: ConstructorParameters<typeof CrlManager>[0]['events'] = {}) {
    return new CrlManager({
      store: t.ca.store,
      x509: t.ca.x509,
      issuer: t.ca.issuer,
      config: authorityConfig({ crlValiditySeconds: 3600, crlRefreshSeconds: 1200 }),
      clock: t.clock.now,
      events,
    });
  }

  it('start() keeps a fresh CRL and rebuilds a stale one; numbers only grow', async () => {
    const published: number[] = [];
    const m = manager({ published: (c) => published.push(c.number) });
    const first = (await m.current())!.number;
    await m.start();
    m.stop();
    expect(published).toEqual([]);
    t.clock.advance(1200_000);
    const m2 = manager({ published: (c) => published.push(c.number) });
    await m2.start();
    m2.stop();
    expect(published).toEqual([first + 1]);
    expect((await m2.current())!.nextUpdate.getTime() - (await m2.current())!.thisUpdate.getTime()).toBe(3600_000);
  });

  it('concurrent rebuilds are serialised and get distinct, increasing numbers', async () => {
    const m = manager();
    const out = await Promise.all([m.rebuild('a'), m.rebuild('b'), m.rebuild('c')]);
    const nums = out.map((c) => c.number);
    expect(nums[1]).toBe(nums[0]! + 1);
    expect(nums[2]).toBe(nums[1]! + 1);
  });

  it('warns through the nearLimit event when the PEM passes 90% of 300,000 bytes', async () => {
    let warned = 0;
    const m = manager({ nearLimit: (b) => (warned = b) });
    // 16-byte serials: ~37 DER bytes per entry, ~50 PEM bytes; 5,900 entries pass 270,000.
    const db = (t.ca.store as unknown as { db: import('better-sqlite3').Database }).db;
    const ins = db.prepare(
      "INSERT INTO certificates (serial, seq, host, subject, sans, not_before, not_after, status, revoked_at, reason, fingerprint, der, issuer_id, renewed_from, issued_at, cert_ttl_seconds) VALUES (?, ?, 'bulk', 'CN=bulk', '[]', 0, ?, 'revoked', ?, NULL, ?, x'00', ?, NULL, 0, 60)",
    );
    const far = t.clock.t + 86400_000;
    db.transaction(() => {
      for (let i = 0; i < 5900; i++) {
        const serial = (0x40n * 2n ** 120n + BigInt(i)).toString(16);
        ins.run(serial, 100000 + i, far, t.clock.t, serial.padStart(64, '0'), t.ca.issuer.id);
      }
    })();
    const c = await m.rebuild('bulk');
    expect(c.entryCount).toBe(5900);
    expect(Buffer.byteLength(c.pem)).toBeGreaterThan(270_000);
    expect(warned).toBe(Buffer.byteLength(c.pem));
  });
});
