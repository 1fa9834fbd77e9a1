import { describe, expect, it } from 'vitest';
import { AUDIT_GENESIS_HASH, auditRecordHash, type AuditRecord } from '../../../common/src/audit/audit-chain.js';
import { parseAuditHead, verifyPages } from '../../../cli/src/handlers/audit.js';

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  let prev = AUDIT_GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const f = {
      seq,
      time: new Date(Date.UTC(2026, 10, 25, 8, 0, seq)).toISOString(),
      actor: 'system',
      action: 'crl.publish',
      details: { crlNumber: seq, z: [1, 'a'], a: null },
    };
    const hash = auditRecordHash(prev, f);
    out.push({ ...f, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

/** Serve `records` in pages of `size` with opaque cursors, like GET /v1/admin/audit. */
function pager(records: AuditRecord[], size: number) {
  return async (_after: number, cursor: string | null) => {
    const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) : 0;
    const page = records.slice(start, start + size);
    const end = start + page.length;
    return { records: page, next: end < records.length ? Buffer.from(String(end)).toString('base64url') : null };
  };
}

describe('audit verify over pages', () => {
  it('accepts an intact chain across page boundaries', async () => {
    const recs = chain(7);
    await expect(verifyPages(pager(recs, 3))).resolves.toEqual({ ok: true, count: 7, lastHash: recs[6]!.hash, headSeq: 7, head: `7:${recs[6]!.hash}` });
  });

  it('accepts an empty log', async () => {
    await expect(verifyPages(pager([], 3))).resolves.toEqual({ ok: true, count: 0, lastHash: AUDIT_GENESIS_HASH, headSeq: 0, head: `0:${AUDIT_GENESIS_HASH}` });
  });

  it.each([
    ['a changed detail', (r: AuditRecord[]) => (r[4] = { ...r[4]!, details: { crlNumber: 99 } }), 5],
    ['a deleted record', (r: AuditRecord[]) => r.splice(3, 1), 5],
    [
      'a re-hashed record whose successor still links to the old hash',
      (r: AuditRecord[]) => {
        const f = { ...r[2]!, actor: 'admin:mallory' };
        r[2] = { ...f, hash: auditRecordHash(f.prevHash, f) };
      },
      4,
    ],
    ['a swapped order', (r: AuditRecord[]) => ([r[1], r[2]] = [r[2]!, r[1]!]), 3],
  ])('detects %s', async (_name, tamper, badSeq) => {
    const recs = chain(7);
    tamper(recs);
    await expect(verifyPages(pager(recs, 3))).rejects.toMatchObject({ code: 'audit_chain_broken', details: { seq: badSeq } });
  });

  it('stops on a cursor that does not advance', async () => {
    const recs = chain(2);
    await expect(verifyPages(async () => ({ records: recs, next: 'same' }))).rejects.toMatchObject({
      code: expect.stringMatching(/audit_chain_broken|ca_response_invalid/),
    });
  });
});

/** The same chain with record `at` changed and every later hash recomputed (a consistent rewrite). */
function rewritten(n: number, at: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  let prev = AUDIT_GENESIS_HASH;
  for (const r of chain(n)) {
    const f = r.seq === at ? { ...r, actor: 'admin:mallory' } : r;
    const hash = auditRecordHash(prev, f);
    out.push({ ...f, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('audit verify --expect-head (anchoring, security.md gap 7)', () => {
  it('accepts a head the chain still holds, on any page, and the current head', async () => {
    const recs = chain(7);
    for (const seq of [1, 3, 4, 7]) {
      await expect(verifyPages(pager(recs, 3), { seq, hash: recs[seq - 1]!.hash })).resolves.toMatchObject({ ok: true, headSeq: 7 });
    }
  });

  it('a consistent rewrite passes the plain check but not the saved head', async () => {
    const recs = chain(7);
    const forged = rewritten(7, 2);
    await expect(verifyPages(pager(forged, 3))).resolves.toMatchObject({ ok: true, count: 7 });
    await expect(verifyPages(pager(forged, 3), { seq: 5, hash: recs[4]!.hash })).rejects.toMatchObject({
      code: 'audit_head_mismatch',
      details: { seq: 5, expected: recs[4]!.hash, actual: forged[4]!.hash },
    });
    // A rewrite after the saved head is not detected by it (only later heads would).
    await expect(verifyPages(pager(rewritten(7, 6), 3), { seq: 5, hash: recs[4]!.hash })).resolves.toMatchObject({ ok: true });
  });

  it('a chain cut before the saved head is refused', async () => {
    const recs = chain(7);
    await expect(verifyPages(pager(recs.slice(0, 4), 3), { seq: 6, hash: recs[5]!.hash })).rejects.toMatchObject({
      code: 'audit_head_mismatch',
      details: { seq: 6, last: 4 },
    });
  });

  it('parses SEQ:HASH and refuses anything else', () => {
    const h = 'A'.repeat(64);
    expect(parseAuditHead(`12:${h}`)).toEqual({ seq: 12, hash: 'a'.repeat(64) });
    for (const bad of ['', '12', `x:${h}`, `0:${h}`, `12:${h.slice(1)}`, `12:${h}0`, `-1:${h}`]) {
      expect(() => parseAuditHead(bad)).toThrow(expect.objectContaining({ code: 'flag_value_invalid' }));
    }
  });
});
