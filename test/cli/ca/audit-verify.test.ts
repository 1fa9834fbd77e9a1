import { describe, expect, it } from 'vitest';
import { AUDIT_GENESIS_HASH, auditRecordHash, type AuditRecord } from '../../../ca-server/src/authority/audit-chain.js';
import { verifyPages } from '../../../cli/src/ca-client/handlers/audit.js';

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  let prev = AUDIT_GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const f = { seq, time: new Date(Date.UTC(2026, 10, 25, 8, 0, seq)).toISOString(), actor: 'system', action: 'crl.publish', details: { crlNumber: seq, z: [1, 'a'], a: null } };
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
    await expect(verifyPages(pager(recs, 3))).resolves.toEqual({ ok: true, count: 7, lastHash: recs[6]!.hash });
  });

  it('accepts an empty log', async () => {
    await expect(verifyPages(pager([], 3))).resolves.toEqual({ ok: true, count: 0, lastHash: AUDIT_GENESIS_HASH });
  });

  it.each([
    ['a changed detail', (r: AuditRecord[]) => (r[4] = { ...r[4]!, details: { crlNumber: 99 } }), 5],
    ['a deleted record', (r: AuditRecord[]) => r.splice(3, 1), 5],
    ['a re-hashed record whose successor still links to the old hash', (r: AuditRecord[]) => {
      const f = { ...r[2]!, actor: 'admin:mallory' };
      r[2] = { ...f, hash: auditRecordHash(f.prevHash, f) };
    }, 4],
    ['a swapped order', (r: AuditRecord[]) => ([r[1], r[2]] = [r[2]!, r[1]!]), 3],
  ])('detects %s', async (_name, tamper, badSeq) => {
    const recs = chain(7);
    tamper(recs);
    await expect(verifyPages(pager(recs, 3))).rejects.toMatchObject({ code: 'audit_chain_broken', details: { seq: badSeq } });
  });

  it('stops on a cursor that does not advance', async () => {
    const recs = chain(2);
    await expect(verifyPages(async () => ({ records: recs, next: 'same' }))).rejects.toMatchObject({ code: expect.stringMatching(/audit_chain_broken|ca_response_invalid/) });
  });
});
