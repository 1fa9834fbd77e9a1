/**
 * `rapki ca backup` and `rapki ca restore` (docs/operations.md "Backup and restore"). SQLite and
 * the backup code load only here. Progress goes to stderr, the summary (or `--json`) to stdout;
 * with `--json` a failure is also `{"error":{code,message}}` on stdout.
 */
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';

export interface CaBackupArgs {
  readonly dir: string;
  readonly out: string;
  readonly 'include-passphrase': boolean;
  readonly 'passphrase-file'?: string | undefined;
  readonly json: boolean;
}

export function caBackup(argv: CaBackupArgs, io: CommandIo): Promise<number> {
  const progress = (line: string): void => io.stderr(`rapki: ${line}\n`);
  return runCommand(
    io,
    async () => {
      const { backupCa } = await import('../../../ca-server/src/backup/backup.js');
      const { caError } = await import('../../../ca-server/src/errors.js');
      // The backup copies the SQLite store; a CA moved to PostgreSQL still has its old ca.db, which
      // must not pass for a current backup (docs/ha.md "Backups").
      const { readCaConfig } = await import('../../../ca-server/src/ca-dir.js');
      const recorded = readCaConfig(argv.dir).store;
      if (recorded !== undefined && !/^sqlite:/i.test(recorded)) {
        throw caError('store_url_invalid', `This CA keeps its store in ${recorded}; back that database up with PostgreSQL's tools (docs/ha.md "Backups"). ca backup copies SQLite stores only.`);
      }
      const { resolvePassphrase } = await import('../../../ca-server/src/config.js');
      const passphrase = resolvePassphrase({ env: io.env, passphraseFile: argv['passphrase-file'], dir: argv.dir });
      if (passphrase === undefined && readCaConfig(argv.dir).pkcs11 === undefined) {
        throw caError('passphrase_required', 'The root key signs the backup: set RAPKI_CA_PASSPHRASE or pass --passphrase-file.');
      }
      const r = await backupCa({ dir: argv.dir, out: argv.out, includePassphrase: argv['include-passphrase'], passphrase: passphrase ?? '', progress });
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
  readonly json: boolean;
}

export function caRestore(argv: CaRestoreArgs, io: CommandIo): Promise<number> {
  const progress = (line: string): void => io.stderr(`rapki: ${line}\n`);
  return runCommand(
    io,
    async () => {
      const { restoreCa } = await import('../../../ca-server/src/backup/restore.js');
      const { normalizeFingerprint } = await import('../ca-client/fingerprint.js');
      const expectFingerprint = argv['expect-fingerprint'] === undefined ? undefined : normalizeFingerprint(argv['expect-fingerprint']);
      const r = await restoreCa({ from: argv.from, dir: argv.dir, expectFingerprint, confirmed: argv.yes, progress });
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
            `certificates: ${d.certificates}, CRL number: ${d.crlNumber}, audit records: ${d.auditRecords} (chain verified), integrity_check ok\n` +
            `passphrase: ${r.passphraseRestored ? 'restored from the backup' : 'not in the backup; set RAPKI_CA_PASSPHRASE or pass --passphrase-file to ca serve'}\n` +
            `next: rapki ca serve --dir ${r.dir}; certificates issued after ${r.manifest.createdAt} are unknown to it: revoke by host (rapki cert revoke --host NAME)\n`,
        );
      }
    },
    { json: argv.json },
  );
}
