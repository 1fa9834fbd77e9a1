/**
 * `rapki ca backup` and `rapki ca restore` (docs/operations.md "Backup and restore"): a signed
 * logical export of the CA's store, whichever backend, and its load into an empty store of either
 * backend. The store and backup code load only here. Progress goes to stderr, the summary (or `--json`) to stdout;
 * with `--json` a failure is also `{"error":{code,message}}` on stdout.
 */
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';

export interface CaBackupArgs {
  readonly dir: string;
  readonly out: string;
  readonly 'include-passphrase': boolean;
  readonly 'passphrase-file'?: string | undefined;
  readonly 'store-url'?: string | undefined;
  readonly 'store-url-file'?: string | undefined;
  readonly json: boolean;
}

export function caBackup(argv: CaBackupArgs, io: CommandIo): Promise<number> {
  const progress = (line: string): void => io.stderr(`rapki: ${line}\n`);
  return runCommand(
    io,
    async () => {
      const { backupCa } = await import('../../../ca-server/src/entry/backup.js');
      const { resolvePassphrase, storeSelection } = await import('../../../ca-server/src/entry/ca-dir.js');
      const sel = storeSelection({
        dir: argv.dir,
        url: argv['store-url'],
        urlFile: argv['store-url-file'],
        env: io.env,
        warn: (m) => progress(`warning: ${m}`),
      }).open();
      // The root key signs the backup: its passphrase (unless the key is on a PKCS#11 token; then the PIN).
      const passphrase = resolvePassphrase({ env: io.env, passphraseFile: argv['passphrase-file'], dir: argv.dir });
      const r = await backupCa({
        dir: argv.dir,
        location: sel.location,
        env: io.env,
        out: argv.out,
        includePassphrase: argv['include-passphrase'],
        passphrase: passphrase ?? '',
        progress,
      });
      const d = r.manifest.database;
      if (argv.json) {
        await io.stdout(
          `${JSON.stringify({
            out: r.out,
            createdAt: r.manifest.createdAt,
            fingerprint: r.manifest.fingerprint,
            files: r.manifest.files.length,
            passphraseIncluded: r.manifest.passphraseIncluded,
            passphraseLeftOut: r.passphraseLeftOut,
            database: d,
          })}\n`,
        );
      } else {
        await io.stdout(
          `backup written to ${r.out} at ${r.manifest.createdAt}\n` +
            `files: ${r.manifest.files.length} (SHA-256 in backup.json, signed by the root key in backup.sig)\n` +
            `root fingerprint: ${r.manifest.fingerprint} (restore checks it: rapki ca restore --expect-fingerprint ${r.manifest.fingerprint})\n` +
            `certificates: ${d.certificates}, CRL number: ${d.crlNumber}, audit records: ${d.auditRecords} (${d.auditVerified ? 'chain verified' : 'CHAIN BROKEN'})\n` +
            `audit head: ${d.auditHead}\n` +
            (r.manifest.passphraseIncluded
              ? 'passphrase: INCLUDED (whoever reads this backup holds the CA key)\n'
              : `passphrase: not included${r.passphraseLeftOut ? ` (${argv.dir}/passphrase exists; keep a copy elsewhere)` : ''}; restore needs RAPKI_CA_PASSPHRASE or --passphrase-file to serve\n`),
        );
      }
    },
    { json: argv.json },
  );
}

export interface CaRestoreArgs {
  readonly from: string;
  readonly dir: string;
  readonly 'expect-fingerprint'?: string | undefined;
  readonly yes: boolean;
  readonly 'store-url'?: string | undefined;
  readonly 'store-url-file'?: string | undefined;
  readonly json: boolean;
}

export function caRestore(argv: CaRestoreArgs, io: CommandIo): Promise<number> {
  const progress = (line: string): void => io.stderr(`rapki: ${line}\n`);
  return runCommand(
    io,
    async () => {
      const { restoreCa } = await import('../../../ca-server/src/entry/restore.js');
      const { normalizeFingerprint } = await import('../ca-client/fingerprint.js');
      const { caPaths, parseStoreUrl, storeUrlOf } = await import('../../../ca-server/src/entry/ca-dir.js');
      const expectFingerprint = argv['expect-fingerprint'] === undefined ? undefined : normalizeFingerprint(argv['expect-fingerprint']);
      // Only an explicit target counts here (not RAPKI_CA_STORE_URL: a restore must not load into a live store by accident).
      const t = storeUrlOf({ dir: argv.dir, url: argv['store-url'], urlFile: argv['store-url-file'], env: {}, warn: (m) => progress(`warning: ${m}`) });
      const location = parseStoreUrl(t.url, { origin: t.origin, dir: caPaths(argv.dir).dir, env: io.env });
      const r = await restoreCa({
        from: argv.from,
        dir: argv.dir,
        expectFingerprint,
        confirmed: argv.yes,
        location,
        recordStore: t.origin !== 'default',
        env: io.env,
        progress,
      });
      const d = r.database;
      if (argv.json) {
        await io.stdout(
          `${JSON.stringify({
            dir: r.dir,
            backupCreatedAt: r.manifest.createdAt,
            fingerprint: r.manifest.fingerprint,
            files: r.filesRestored,
            passphraseRestored: r.passphraseRestored,
            database: d,
          })}\n`,
        );
      } else {
        await io.stdout(
          `CA restored into ${r.dir} from the backup taken ${r.manifest.createdAt}\n` +
            `root fingerprint: ${r.manifest.fingerprint} (backup.json signed by this root)\n` +
            `files: ${r.filesRestored}, all matching their SHA-256\n` +
            `certificates: ${d.certificates}, CRL number: ${d.crlNumber}, audit records: ${d.auditRecords} (chain verified)\n` +
            `passphrase: ${r.passphraseRestored ? 'restored from the backup' : 'not in the backup; set RAPKI_CA_PASSPHRASE or pass --passphrase-file to ca serve'}\n` +
            `next: rapki ca serve --dir ${r.dir}${t.origin !== 'default' ? ` (its ca.json names ${location.display})` : ''}; certificates issued after ${r.manifest.createdAt} are unknown to it: revoke by host (rapki cert revoke --host NAME)\n`,
        );
      }
    },
    { json: argv.json },
  );
}
