/**
 * `backup.json`: what a backup holds and what the database looked like when it was taken.
 *
 * Why: `restore` must not trust the backup directory (it may have been copied over a network, kept
 * on a shared disk, or tampered with). Each file's SHA-256 and size, and the database's counts and
 * audit head, let `restore` refuse a damaged backup before it becomes a CA directory.
 */
import { backupError } from './errors.js';
import { SNAPSHOT_TABLES } from '../store/snapshot.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, MANIFEST_VERSION_SQLITE_COPY, MAX_FILE_BYTES, MAX_FILES } from './constants.js';
import { tableFile, type DatabaseSummary } from './snapshot-files.js';

export interface ManifestFile {
  /** Relative to the backup (and CA) directory, `/`-separated. */
  readonly path: string;
  readonly size: number;
  /** Lower-case hex SHA-256 of the content. */
  readonly sha256: string;
}

export interface BackupManifest {
  readonly format: typeof MANIFEST_FORMAT;
  /** 1: unsigned (older rapki; restore refuses it); 2: a signed copy of `ca.db` and the CA directory; 3: the signed logical export of the store. */
  readonly version: 1 | typeof MANIFEST_VERSION_SQLITE_COPY | typeof MANIFEST_VERSION;
  /** ISO 8601 UTC time the database snapshot was taken. */
  readonly createdAt: string;
  /** The store (version 3) or CA directory (version 2) that was backed up (informational, never with a password). */
  readonly source: string;
  /** SHA-256 of the root certificate (from `ca.json`). */
  readonly fingerprint: string;
  readonly passphraseIncluded: boolean;
  readonly database: DatabaseSummary;
  /** Every file of the backup except the manifest itself, sorted by path. */
  readonly files: readonly ManifestFile[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/** True for a safe relative path: no absolute path, no `..`, `.` or empty segment, no backslash or NUL. */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.length > 1024 || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  return p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

function bad(reason: string): never {
  throw backupError('backup_manifest_invalid', `backup.json is not a valid rapki backup manifest: ${reason}.`);
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** Parses and checks a manifest; throws `backup_manifest_invalid` naming the first problem. */
export function parseManifest(text: string): BackupManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    bad('not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('not an object');
  const m = raw as Record<string, unknown>;
  if (m.format !== MANIFEST_FORMAT) bad(`format is not "${MANIFEST_FORMAT}"`);
  if (m.version !== 1 && m.version !== MANIFEST_VERSION_SQLITE_COPY && m.version !== MANIFEST_VERSION) bad(`unsupported version ${String(m.version)}`);
  if (typeof m.createdAt !== 'string' || Number.isNaN(Date.parse(m.createdAt))) bad('createdAt is not a time');
  if (typeof m.source !== 'string') bad('source is missing');
  if (typeof m.fingerprint !== 'string' || !HEX64.test(m.fingerprint)) bad('fingerprint is not SHA-256 hex');
  if (typeof m.passphraseIncluded !== 'boolean') bad('passphraseIncluded is missing');
  const d = m.database as Record<string, unknown> | null;
  if (typeof d !== 'object' || d === null) bad('database is missing');
  if (!isCount(d.certificates)) bad('database.certificates is not a count');
  if (!isCount(d.crlNumber)) bad('database.crlNumber is not a count');
  if (!Array.isArray(d.crls) || !d.crls.every((c) => typeof c === 'object' && c !== null && typeof c.issuerId === 'string' && isCount(c.number)))
    bad('database.crls is invalid');
  if (!isCount(d.auditRecords)) bad('database.auditRecords is not a count');
  if (typeof d.auditHead !== 'string' || !HEX64.test(d.auditHead)) bad('database.auditHead is not SHA-256 hex');
  if (typeof d.auditVerified !== 'boolean') bad('database.auditVerified is missing');
  if (!Array.isArray(m.files) || m.files.length === 0 || m.files.length > MAX_FILES) bad(`files must list 1 to ${MAX_FILES} files`);
  const seen = new Set<string>();
  for (const f of m.files as unknown[]) {
    const e = f as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || typeof e.path !== 'string' || !isSafeRelativePath(e.path)) bad('a file path is not a safe relative path');
    if (seen.has(e.path)) bad(`${e.path} is listed twice`);
    seen.add(e.path);
    if (!isCount(e.size) || e.size > MAX_FILE_BYTES) bad(`${e.path} has an invalid size`);
    if (typeof e.sha256 !== 'string' || !HEX64.test(e.sha256)) bad(`${e.path} has an invalid sha256`);
  }
  const required = m.version === MANIFEST_VERSION ? ['root.pem', ...SNAPSHOT_TABLES.map((t) => tableFile(t.name))] : ['ca.db', 'ca.json'];
  for (const r of required) if (!seen.has(r)) bad(`${r} is not listed`);
  return raw as BackupManifest;
}
