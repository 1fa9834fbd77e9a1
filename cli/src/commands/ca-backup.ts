/**
 * `rapki ca backup` and `rapki ca restore` (docs/operations.md "Backup and restore"): a signed
 * logical export of the CA's store, whichever backend, and its load into an empty store of either
 * backend. The builders stay light; the store and backup code are loaded in the handlers. Progress
 * goes to stderr, the summary (or `--json`) to stdout.
 */
import type { Argv, CommandModule } from 'yargs';
import { storeOptions, type StoreArgs } from './store-options.js';

async function reportError(err: unknown, json: boolean): Promise<number> {
  const { isRapkiError } = await import('../../../common/src/errors.js');
  const coded = isRapkiError(err) ? { code: err.code, message: err.message } : { code: 'internal_error', message: err instanceof Error ? err.message : String(err) };
  process.stderr.write(`rapki: ${coded.message} (${coded.code})\n`);
  if (json) process.stdout.write(`${JSON.stringify({ error: coded })}\n`);
  return 1;
}

const progress = (line: string): void => {
  process.stderr.write(`rapki: ${line}\n`);
};

export const caBackupCommand: CommandModule<object, StoreArgs & { dir: string; out: string; 'include-passphrase': boolean; 'passphrase-file'?: string; json: boolean }> = {
  command: 'backup',
  describe: "Back up a CA while its servers run: a logical export of its store (SQLite or PostgreSQL), with a SHA-256 manifest signed by the root key",
  builder: (y: Argv) =>
    y
      .option('dir', { type: 'string', demandOption: true, describe: 'CA directory' })
      .option('out', { type: 'string', demandOption: true, describe: 'backup directory to create (must be absent or empty, and outside the CA directory; created 0700)' })
      .option('passphrase-file', {
        type: 'string',
        describe: 'file holding the CA key passphrase (else RAPKI_CA_PASSPHRASE); the root key signs the manifest. A PKCS#11 CA uses its token PIN instead',
      })
      .option('include-passphrase', { type: 'boolean', default: false, describe: 'also copy DIR/passphrase (development CAs; normally keep the passphrase apart)' })
      .options(storeOptions)
      .option('json', { type: 'boolean', default: false, describe: 'print the manifest summary as JSON' }) as never,
  handler: async (argv) => {
    try {
      const { backupCa } = await import('../../../ca-server/src/backup/backup.js');
      const { resolvePassphrase } = await import('../../../ca-server/src/config.js');
      const { storeSelection } = await import('../../../ca-server/src/store/store-selection.js');
      const sel = storeSelection({ dir: argv.dir, url: argv['store-url'], urlFile: argv['store-url-file'], env: process.env, warn: (m) => progress(`warning: ${m}`) }).open();
      // The root key signs the backup: its passphrase (unless the key is on a PKCS#11 token; then the PIN).
      const passphrase = resolvePassphrase({ env: process.env, passphraseFile: argv['passphrase-file'], dir: argv.dir });
      const r = await backupCa({ dir: argv.dir, location: sel.location, env: process.env, out: argv.out, includePassphrase: argv['include-passphrase'], passphrase: passphrase ?? '', progress });
      const d = r.manifest.database;
      if (argv.json) {
        process.stdout.write(
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
        process.stdout.write(
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
      process.exitCode = 0;
    } catch (err) {
      process.exitCode = await reportError(err, argv.json);
    }
  },
};

export const caRestoreCommand: CommandModule<object, StoreArgs & { from: string; dir: string; 'expect-fingerprint'?: string; yes: boolean; json: boolean }> = {
  command: 'restore',
  describe: "Restore a CA from a backup into an empty store, SQLite or PostgreSQL (checks the root key's signature, SHA-256 and the audit chain); stop the servers first",
  builder: (y: Argv) =>
    y
      .option('from', { type: 'string', demandOption: true, describe: 'backup directory (made by rapki ca backup)' })
      .option('dir', { type: 'string', demandOption: true, describe: 'CA directory to create (must be absent or empty)' })
      .option('expect-fingerprint', { type: 'string', describe: 'SHA-256 of the root the backup must be of (the fingerprint you pin); the manifest must be signed by that root' })
      .option('yes', { type: 'boolean', default: false, describe: 'without --expect-fingerprint: accept the root fingerprint a first run printed, after checking it' })
      .option('store-url', { type: 'string', describe: 'load into this EMPTY store: postgres://… (password from PGPASSWORD / PGPASSFILE) or sqlite:PATH; default sqlite:<dir>/ca.db' })
      .option('store-url-file', { type: 'string', describe: 'file holding the target store URL (may include the password; keep it 0600)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the restore summary as JSON' }) as never,
  handler: async (argv) => {
    try {
      const { restoreCa } = await import('../../../ca-server/src/backup/restore.js');
      const { normalizeFingerprint } = await import('../ca-client/fingerprint.js');
      const { storeUrlOf, parseStoreUrl } = await import('../../../ca-server/src/store/store-url.js');
      const { caPaths } = await import('../../../ca-server/src/ca-dir.js');
      const expectFingerprint = argv['expect-fingerprint'] === undefined ? undefined : normalizeFingerprint(argv['expect-fingerprint']);
      // Only an explicit target counts here (not RAPKI_CA_STORE_URL: a restore must not load into a live store by accident).
      const t = storeUrlOf({ dir: argv.dir, url: argv['store-url'], urlFile: argv['store-url-file'], env: {}, warn: (m) => progress(`warning: ${m}`) });
      const location = parseStoreUrl(t.url, { origin: t.origin, dir: caPaths(argv.dir).dir, env: process.env });
      const r = await restoreCa({ from: argv.from, dir: argv.dir, expectFingerprint, confirmed: argv.yes, location, recordStore: t.origin !== 'default', env: process.env, progress });
      const d = r.database;
      if (argv.json) {
        process.stdout.write(
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
        process.stdout.write(
          `CA restored into ${r.dir} from the backup taken ${r.manifest.createdAt}\n` +
            `root fingerprint: ${r.manifest.fingerprint} (backup.json signed by this root)\n` +
            `files: ${r.filesRestored}, all matching their SHA-256\n` +
            `certificates: ${d.certificates}, CRL number: ${d.crlNumber}, audit records: ${d.auditRecords} (chain verified)\n` +
            `passphrase: ${r.passphraseRestored ? 'restored from the backup' : 'not in the backup; set RAPKI_CA_PASSPHRASE or pass --passphrase-file to ca serve'}\n` +
            `next: rapki ca serve --dir ${r.dir}${t.origin !== 'default' ? ` (its ca.json names ${location.display})` : ''}; certificates issued after ${r.manifest.createdAt} are unknown to it: revoke by host (rapki cert revoke --host NAME)\n`,
        );
      }
      process.exitCode = 0;
    } catch (err) {
      process.exitCode = await reportError(err, argv.json);
    }
  },
};
