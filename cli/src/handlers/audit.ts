/**
 * `rapki audit verify`: recompute the audit log's hash chain (docs/ca-api.md "Hash chain") either
 * from the server (`GET /v1/admin/audit`, every page) or straight from a CA directory's database
 * (`--dir`, for an operator on the CA host, e.g. when the server is down). Uses the authority's own
 * `verifyAuditChain`, page by page, so the check is the one the server's writer is built against.
 */
import { existsSync } from 'node:fs';
import { AUDIT_GENESIS_HASH, verifyAuditChain, type AuditRecord } from '../../../common/src/audit/audit-chain.js';
import type { AuditPage } from '../../../common/src/contract/types.js';
import { AUDIT_PAGE } from '../../../common/src/contract/limits.js';
import { CA_PATHS } from '../../../common/src/contract/paths.js';
import { MAX_PAGES } from '../ca-client/constants.js';
import { connect, type ConnectionArgs } from '../ca-client/connection.js';
import { caClientError } from '../ca-client/errors.js';
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';
import type { StoreArgs } from '../commands/store-options.js';

export interface AuditVerifyArgs extends ConnectionArgs, StoreArgs {
  readonly dir?: string | undefined;
  readonly json?: boolean | undefined;
  /** `SEQ:HASH` of a head printed earlier and kept elsewhere: the chain must still hold it. */
  readonly 'expect-head'?: string | undefined;
}

/** A chain head: the sequence number of the last record and its hash (`SEQ:HASH`). */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

/** Parses `SEQ:HASH` (decimal sequence, 64 hex digits); `usage` error otherwise. */
export function parseAuditHead(text: string): AuditHead {
  const m = /^(\d{1,15}):([0-9a-fA-F]{64})$/.exec(text.trim());
  if (!m || Number(m[1]) < 1)
    throw caClientError(
      'flag_value_invalid',
      `--expect-head must be SEQ:HASH as \`rapki audit verify\` prints it (e.g. 42:<64 hex digits>); got '${text.slice(0, 80)}'`,
    );
  return { seq: Number(m[1]), hash: m[2]!.toLowerCase() };
}

/** Pages of records, oldest first. */
type PageSource = (afterSeq: number, cursor: string | null) => Promise<{ records: readonly AuditRecord[]; next: string | null | 'by-seq' }>;

export interface AuditSummary {
  readonly ok: true;
  readonly count: number;
  readonly lastHash: string;
  /** Sequence number of the last record (0 for an empty log); with `lastHash`, the head. */
  readonly headSeq: number;
  /** The head as `SEQ:HASH`, the form `--expect-head` takes back. */
  readonly head: string;
}

/**
 * Verify every page from `source`; throws `audit_chain_broken` at the first bad record. With
 * `expect`, the record at `expect.seq` must have `expect.hash` (`audit_head_mismatch` otherwise,
 * also when the chain is shorter): the chain is unkeyed, so someone who can write `ca.db` can
 * rewrite it consistently; a head saved elsewhere earlier exposes that.
 */
export async function verifyPages(source: PageSource, expect?: AuditHead): Promise<AuditSummary> {
  let prev = AUDIT_GENESIS_HASH;
  let nextSeq = 1;
  let count = 0;
  let cursor: string | null = null;
  let expectedFound = false;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await source(nextSeq - 1, cursor);
    const r = verifyAuditChain(page.records, prev, nextSeq);
    if (!r.ok) {
      throw caClientError('audit_chain_broken', `the audit log hash chain is broken at record ${r.badSeq}: ${r.reason}`, {
        details: { seq: r.badSeq },
      });
    }
    if (expect !== undefined && expect.seq >= nextSeq && expect.seq < nextSeq + r.count) {
      const at = page.records[expect.seq - nextSeq]!;
      if (at.hash !== expect.hash) {
        throw caClientError(
          'audit_head_mismatch',
          `the audit record ${expect.seq} has hash ${at.hash}, not the expected ${expect.hash}: the history up to that head was rewritten`,
          {
            details: { seq: expect.seq, expected: expect.hash, actual: at.hash },
          },
        );
      }
      expectedFound = true;
    }
    count += r.count;
    prev = r.lastHash;
    nextSeq += r.count;
    if (page.records.length === 0 || page.next === null) {
      if (expect !== undefined && !expectedFound) {
        throw caClientError(
          'audit_head_mismatch',
          `the audit log ends at record ${nextSeq - 1}, before the expected head ${expect.seq}: records were removed`,
          {
            details: { seq: expect.seq, expected: expect.hash, last: nextSeq - 1 },
          },
        );
      }
      return { ok: true, count, lastHash: prev, headSeq: nextSeq - 1, head: `${nextSeq - 1}:${prev}` };
    }
    if (page.next !== 'by-seq') {
      if (page.next === cursor) throw caClientError('ca_response_invalid', 'the audit cursor does not advance');
      cursor = page.next;
    }
  }
  throw caClientError('ca_response_invalid', 'the audit log has more pages than the client follows');
}

export function auditVerify(args: AuditVerifyArgs, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const expected = args['expect-head'] === undefined ? undefined : parseAuditHead(args['expect-head']);
    let summary: AuditSummary;
    if (args.dir) {
      const { storeSelection, withStore } = await import('../../../ca-server/src/entry/ca-dir.js');
      const sel = storeSelection({
        dir: args.dir,
        url: args['store-url'],
        urlFile: args['store-url-file'],
        env: io.env,
        warn: (m) => io.stderr(`rapki: warning: ${m}\n`),
      }).open();
      if (sel.location.backend === 'sqlite' && !existsSync(sel.location.file))
        throw caClientError('flag_value_invalid', `no CA database at ${sel.location.file}`);
      summary = await withStore({ ...sel, mustExist: true }, (o) =>
        verifyPages(async (afterSeq) => ({ records: await o.store.listAudit(afterSeq, 1000), next: 'by-seq' }), expected),
      );
    } else {
      const client = await connect(args, io.env, { admin: true });
      try {
        summary = await verifyPages(async (_afterSeq, cursor) => {
          const q = new URLSearchParams({ limit: String(AUDIT_PAGE.max) });
          if (cursor) q.set('cursor', cursor);
          const res = await client.json<AuditPage>('GET', `${CA_PATHS.audit}?${q.toString()}`, { admin: true });
          if (!res || !Array.isArray(res.records)) throw caClientError('ca_response_invalid', 'the audit page has no records array');
          return { records: res.records as unknown as AuditRecord[], next: res.nextCursor ?? null };
        }, expected);
      } finally {
        client.close();
      }
    }
    if (args.json) io.stdout(`${JSON.stringify(summary)}\n`);
    else {
      // The second line is stable for scripts: `audit head: SEQ:HASH`, the value --expect-head takes.
      io.stdout(`audit log OK: ${summary.count} records, chain head ${summary.lastHash}\n`);
      io.stdout(`audit head: ${summary.head}\n`);
    }
  });
}
