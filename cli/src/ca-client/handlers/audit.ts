/**
 * `rapki audit verify`: recompute the audit log's hash chain (docs/ca-api.md "Hash chain") either
 * from the server (`GET /v1/admin/audit`, every page) or straight from a CA directory's database
 * (`--dir`, for an operator on the CA host, e.g. when the server is down). Uses the authority's own
 * `verifyAuditChain`, page by page, so the check is the one the server's writer is built against.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_GENESIS_HASH, verifyAuditChain, type AuditRecord } from '../../../../ca-server/src/authority/audit-chain.js';
import type { AuditPage } from '../api-types.js';
import { CA_PATHS, MAX_PAGES } from '../constants.js';
import { connect, type ConnectionArgs } from '../connection.js';
import { caClientError } from '../errors.js';
import { runCommand, type CommandIo } from '../run.js';

export interface AuditVerifyArgs extends ConnectionArgs {
  readonly dir?: string | undefined;
  readonly json?: boolean | undefined;
}

/** Pages of records, oldest first. */
type PageSource = (afterSeq: number, cursor: string | null) => Promise<{ records: readonly AuditRecord[]; next: string | null | 'by-seq' }>;

export interface AuditSummary {
  readonly ok: true;
  readonly count: number;
  readonly lastHash: string;
}

/** Verify every page from `source`; throws `audit_chain_broken` at the first bad record. */
export async function verifyPages(source: PageSource): Promise<AuditSummary> {
  let prev = AUDIT_GENESIS_HASH;
  let nextSeq = 1;
  let count = 0;
  let cursor: string | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await source(nextSeq - 1, cursor);
    const r = verifyAuditChain(page.records, prev, nextSeq);
    if (!r.ok) {
      throw caClientError('audit_chain_broken', `the audit log hash chain is broken at record ${r.badSeq}: ${r.reason}`, {
        details: { seq: r.badSeq },
      });
    }
    count += r.count;
    prev = r.lastHash;
    nextSeq += r.count;
    if (page.records.length === 0 || page.next === null) return { ok: true, count, lastHash: prev };
    if (page.next !== 'by-seq') {
      if (page.next === cursor) throw caClientError('ca_response_invalid', 'the audit cursor does not advance');
      cursor = page.next;
    }
  }
  throw caClientError('ca_response_invalid', 'the audit log has more pages than the client follows');
}

export function auditVerify(args: AuditVerifyArgs, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    let summary: AuditSummary;
    if (args.dir) {
      const dbFile = join(args.dir, 'ca.db');
      if (!existsSync(dbFile)) throw caClientError('usage', `no CA database at ${dbFile}`);
      const { SqliteCaStore } = await import('../../../../ca-server/src/store/sqlite-store.js');
      const store = SqliteCaStore.open(dbFile);
      try {
        summary = await verifyPages(async (afterSeq) => ({ records: await store.listAudit(afterSeq, 1000), next: 'by-seq' }));
      } finally {
        await store.close();
      }
    } else {
      const client = await connect(args, io.env, { admin: true });
      try {
        summary = await verifyPages(async (_afterSeq, cursor) => {
          const q = new URLSearchParams({ limit: '1000' });
          if (cursor) q.set('cursor', cursor);
          const res = await client.json<AuditPage>('GET', `${CA_PATHS.audit}?${q.toString()}`, { admin: true });
          if (!res || !Array.isArray(res.records)) throw caClientError('ca_response_invalid', 'the audit page has no records array');
          return { records: res.records as unknown as AuditRecord[], next: res.nextCursor ?? null };
        });
      } finally {
        client.close();
      }
    }
    if (args.json) io.stdout(`${JSON.stringify(summary)}\n`);
    else io.stdout(`audit log OK: ${summary.count} records, chain head ${summary.lastHash}\n`);
  });
}
