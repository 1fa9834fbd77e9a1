/**
 * Versioned schema of the SQLite store. Append a new entry to change the schema; never edit an
 * applied one (the `schema_migrations` table records which versions a file has).
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE ca_certificates (
  id TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('root','intermediate')),
  der BLOB NOT NULL,
  not_after INTEGER NOT NULL,
  issuing INTEGER NOT NULL CHECK (issuing IN (0,1))
);
CREATE TABLE certificates (
  serial TEXT PRIMARY KEY,
  seq INTEGER NOT NULL UNIQUE,
  host TEXT NOT NULL,
  subject TEXT NOT NULL,
  sans TEXT NOT NULL,
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('valid','revoked')),
  revoked_at INTEGER,
  reason TEXT,
  fingerprint TEXT NOT NULL UNIQUE,
  der BLOB NOT NULL,
  issuer_id TEXT NOT NULL REFERENCES ca_certificates(id),
  renewed_from TEXT,
  issued_at INTEGER NOT NULL,
  cert_ttl_seconds INTEGER NOT NULL
);
CREATE INDEX certificates_host ON certificates(host, seq);
CREATE INDEX certificates_revoked ON certificates(issuer_id, status, not_after);
CREATE TABLE tokens (
  hash TEXT PRIMARY KEY,
  subject TEXT NOT NULL,
  sans TEXT NOT NULL,
  cert_ttl_seconds INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  created_by TEXT NOT NULL
);
CREATE TABLE admin_tokens (
  hash TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('admin','operator')),
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE blocked_hosts (
  host TEXT PRIMARY KEY,
  blocked_at INTEGER NOT NULL,
  reason TEXT
);
CREATE TABLE crl_state (
  issuer_id TEXT PRIMARY KEY,
  number INTEGER NOT NULL,
  this_update INTEGER NOT NULL,
  next_update INTEGER NOT NULL,
  der BLOB NOT NULL
);
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`,
  },
  {
    // Admin token lifecycle (docs/security.md C24): a public id (the first 16 hex digits of the
    // SHA-256, the same \`tokenId\` the audit log already records), optional expiry, last use
    // (throttled to one write a minute), revocation. Existing tokens keep working: no expiry.
    version: 2,
    name: 'admin_token_lifecycle',
    sql: `
ALTER TABLE admin_tokens ADD COLUMN id TEXT;
ALTER TABLE admin_tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE admin_tokens ADD COLUMN last_used_at INTEGER;
ALTER TABLE admin_tokens ADD COLUMN revoked_at INTEGER;
ALTER TABLE admin_tokens ADD COLUMN revoked_by TEXT;
UPDATE admin_tokens SET id = substr(hash, 1, 16);
CREATE UNIQUE INDEX admin_tokens_id ON admin_tokens(id);
`,
  },
  {
    // Renewal cannot fork (docs/security.md C26): a renewal looks up the certificate that already
    // renewed the presented one. Not UNIQUE: files made before this version may hold forks.
    version: 3,
    name: 'certificates_renewed_from',
    sql: `
CREATE INDEX certificates_renewed_from ON certificates(renewed_from);
`,
  },
  {
    // Guarantees that must hold with concurrent writers (the store contract, docs/ha.md), enforced by
    // the schema instead of a check-then-insert:
    // - a certificate has at most one successor: a unique index on renewed_from. Files made before
    //   this version may hold forks (C26 was a check only); all but the newest renewal of such a
    //   certificate are marked legacy_fork = 1 and stay out of the index, so nothing is rewritten.
    // - the audit chain has one head: two records can never link to the same previous hash.
    // - CRL numbers come from a per-issuer counter that only moves forward (allocateCrlNumber),
    //   seeded from the stored CRLs.
    version: 4,
    name: 'store_contract_constraints',
    sql: `
ALTER TABLE certificates ADD COLUMN legacy_fork INTEGER NOT NULL DEFAULT 0 CHECK (legacy_fork IN (0,1));
UPDATE certificates SET legacy_fork = 1
  WHERE renewed_from IS NOT NULL
    AND seq < (SELECT max(c2.seq) FROM certificates c2 WHERE c2.renewed_from = certificates.renewed_from);
CREATE UNIQUE INDEX certificates_one_successor ON certificates(renewed_from) WHERE renewed_from IS NOT NULL AND legacy_fork = 0;
CREATE UNIQUE INDEX audit_log_prev_hash ON audit_log(prev_hash);
CREATE TABLE crl_numbers (
  issuer_id TEXT PRIMARY KEY,
  last INTEGER NOT NULL
);
INSERT INTO crl_numbers (issuer_id, last) SELECT issuer_id, number FROM crl_state;
`,
  },
  {
    // Revocation of a CA certificate (docs/rotation.md "Emergency rotation"): an emergency rotation
    // of an intermediate revokes the intermediate itself, and the root's CRL lists it.
    version: 5,
    name: 'ca_certificate_revocation',
    sql: `
ALTER TABLE ca_certificates ADD COLUMN revoked_at INTEGER;
ALTER TABLE ca_certificates ADD COLUMN reason TEXT;
`,
  },
  {
    // The web console (docs/console.md): server-side sessions (only the SHA-256 of the session id),
    // a name index for its search (host and SAN values, lower-case, filled by a trigger so every
    // writer of `certificates` keeps it), and indexes for keyset pagination by expiry and for the
    // audit filters. `certificate_names` holds `seq` (not the serial) to stay small.
    version: 6,
    name: 'console',
    sql: `
CREATE TABLE ui_sessions (
  id_hash TEXT PRIMARY KEY,
  admin_token_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  idle_expires_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE certificate_names (
  name TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (name, seq)
) WITHOUT ROWID;
INSERT OR IGNORE INTO certificate_names (name, seq) SELECT lower(host), seq FROM certificates;
INSERT OR IGNORE INTO certificate_names (name, seq)
  SELECT lower(substr(j.value, instr(j.value, ':') + 1)), c.seq FROM certificates c, json_each(c.sans) j;
CREATE TRIGGER certificates_names AFTER INSERT ON certificates BEGIN
  INSERT OR IGNORE INTO certificate_names (name, seq) VALUES (lower(NEW.host), NEW.seq);
  INSERT OR IGNORE INTO certificate_names (name, seq) SELECT lower(substr(value, instr(value, ':') + 1)), NEW.seq FROM json_each(NEW.sans);
END;
CREATE INDEX certificates_expiry ON certificates(not_after, seq);
CREATE INDEX certificates_status_expiry ON certificates(status, not_after, seq);
CREATE INDEX audit_log_action ON audit_log(action, seq);
CREATE INDEX audit_log_actor ON audit_log(actor, seq);
CREATE INDEX audit_log_time ON audit_log(time);
`,
  },
  {
    // Every mutable part of the CA in the store (docs/ha.md): what ca.json and the loose files of a
    // CA directory held before (the configuration, the CA keys encrypted as they were, the rotation
    // state and history, the kept CRLs, the CRL sync targets and what was pushed to each slot), a
    // version replicas poll to notice a change, and the last CRLs by number. A directory made by an
    // older rapki is imported into these tables when it is first opened (ca-dir-upgrade.ts).
    version: 7,
    name: 'ca_state',
    sql: `
CREATE TABLE ca_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO ca_state (id, version) VALUES (1, 0);
ALTER TABLE ca_certificates ADD COLUMN state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active','next','retired'));
CREATE TABLE ca_config (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  key_type TEXT NOT NULL,
  subject TEXT NOT NULL,
  intermediate INTEGER NOT NULL CHECK (intermediate IN (0,1)),
  created_at INTEGER NOT NULL,
  root_id TEXT NOT NULL REFERENCES ca_certificates(id),
  issuer_id TEXT NOT NULL REFERENCES ca_certificates(id),
  pkcs11_module TEXT,
  rotated_at INTEGER
);
CREATE TABLE ca_keys (
  ca_id TEXT PRIMARY KEY REFERENCES ca_certificates(id),
  kind TEXT NOT NULL CHECK (kind IN ('encrypted','pkcs11')),
  value TEXT NOT NULL
);
CREATE TABLE rotation_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  rotation_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  state TEXT NOT NULL
);
CREATE TABLE rotation_history (
  rotation_id TEXT PRIMARY KEY,
  outcome TEXT NOT NULL CHECK (outcome IN ('finished','aborted')),
  ended_at INTEGER NOT NULL,
  state TEXT NOT NULL
);
CREATE TABLE retained_crls (
  issuer_id TEXT PRIMARY KEY REFERENCES ca_certificates(id),
  kind TEXT NOT NULL CHECK (kind IN ('retired','root')),
  since INTEGER NOT NULL,
  rotation_id TEXT NOT NULL
);
CREATE TABLE sync_targets (
  id TEXT PRIMARY KEY,
  trust_anchor_arn TEXT NOT NULL,
  region TEXT NOT NULL,
  endpoint TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE crl_slots (
  slot TEXT NOT NULL,
  target_id TEXT NOT NULL REFERENCES sync_targets(id) ON DELETE CASCADE,
  crl_arn TEXT,
  pushed_number TEXT,
  pushed_sha256 TEXT,
  last_success_at INTEGER,
  PRIMARY KEY (slot, target_id)
);
CREATE TABLE crl_history (
  issuer_id TEXT NOT NULL,
  number INTEGER NOT NULL,
  this_update INTEGER NOT NULL,
  next_update INTEGER NOT NULL,
  der BLOB NOT NULL,
  PRIMARY KEY (issuer_id, number)
);
INSERT INTO crl_history (issuer_id, number, this_update, next_update, der) SELECT issuer_id, number, this_update, next_update, der FROM crl_state;
`,
  },
];
