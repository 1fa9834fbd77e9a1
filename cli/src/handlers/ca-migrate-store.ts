/**
 * `rapki ca migrate-store --dir D --to postgres://…` (docs/ha.md "Moving a CA to PostgreSQL"):
 * copies the CA's whole SQLite store (the inventory and every other part of the CA's state: keys,
 * configuration, rotation, sync targets) into an empty PostgreSQL database, verifies the audit
 * chain there, then records the new store in `D/ca.json` so that `ca serve --dir D` uses it. The
 * SQLite file is left as it was. Stop `ca serve` first: what it writes after the copy started is
 * not copied.
 */
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';

export interface CaMigrateStoreArgs {
  readonly dir: string;
  readonly to?: string | undefined;
  readonly 'to-file'?: string | undefined;
  readonly json: boolean;
}

export function caMigrateStore(argv: CaMigrateStoreArgs, io: CommandIo): Promise<number> {
  const say = (line: string): void => io.stderr(`rapki: ${line}\n`);
  return runCommand(
    io,
    async () => {
      const { caError, caPaths, openCaDirStore, parseStoreUrl, storeSelection, storeUrlOf, withStore, writeCaDirPointer } =
        await import('../../../ca-server/src/entry/ca-dir.js');
      const { migrateToPg } = await import('../../../ca-server/src/entry/migrate-store.js');
      const { verifyAuditChain, AUDIT_GENESIS_HASH } = await import('../../../common/src/audit/audit-chain.js');
      const source = storeSelection({ dir: argv.dir, env: {} }).open().location;
      if (source.backend !== 'sqlite') throw caError('store_url_invalid', `This CA already keeps its store in ${source.display}.`);
      if (argv.to === undefined && argv['to-file'] === undefined)
        throw caError('store_url_invalid', 'Name the target with --to postgres://… or --to-file FILE.');
      const t = storeUrlOf({ dir: argv.dir, url: argv.to, urlFile: argv['to-file'], env: {}, warn: (m) => say(`warning: ${m}`) });
      const target = parseStoreUrl(t.url, { origin: t.origin, dir: caPaths(argv.dir).dir, env: io.env });
      if (target.backend !== 'postgres') throw caError('store_url_invalid', 'The target must be a PostgreSQL URL (postgres://…).');
      say(`copying ${source.display} to ${target.display}`);
      // Opened through the CA directory: a directory made by an older rapki is imported into its store first.
      const src = await openCaDirStore({ dir: argv.dir, location: source, mustExist: true });
      let r: Awaited<ReturnType<typeof migrateToPg>>;
      try {
        if (src.upgraded) say('imported the CA directory of an older rapki into its store first');
        r = await migrateToPg({
          source: src.store,
          target: target.spec,
          env: io.env,
          warn: (m) => say(`warning: ${m}`),
          onProgress: (table, n) => {
            if (n % 10_000 === 0) say(`${table}: ${n} rows`);
          },
        });
      } finally {
        await src.close();
      }
      // Verified once more through the store itself, as `ca serve` will read it.
      const verified = await withStore({ location: target, env: io.env }, async (o) => {
        let prev = AUDIT_GENESIS_HASH;
        let seq = 0;
        for (;;) {
          const page = await o.store.listAudit(seq, 1000);
          if (page.length === 0) return { seq, hash: prev };
          const v = verifyAuditChain(page, prev, seq + 1);
          if (!v.ok) throw new Error(`audit chain broken in the target at ${v.badSeq}: ${v.reason}`);
          prev = v.lastHash;
          seq += v.count;
        }
      });
      if (verified.seq !== r.auditHead.seq || verified.hash !== r.auditHead.hash) throw new Error('the target audit head differs from the copy');
      writeCaDirPointer(argv.dir, target.display);
      if (argv.json) {
        await io.stdout(`${JSON.stringify({ target: target.display, rows: r.rows, auditHead: `${r.auditHead.seq}:${r.auditHead.hash}` })}\n`);
      } else {
        await io.stdout(
          `copied to ${target.display}: ${Object.entries(r.rows)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}\n` +
            `audit chain verified in the target: ${r.auditHead.seq} records\n` +
            `audit head: ${r.auditHead.seq}:${r.auditHead.hash}\n` +
            `${caPaths(argv.dir).config} now names that store; ${source.file} is left as it was (keep it until the new store is backed up)\n`,
        );
      }
    },
    { json: argv.json },
  );
}
