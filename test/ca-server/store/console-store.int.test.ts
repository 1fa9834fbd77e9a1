/**
 * What only the SQLite store has of the console's methods: the upgrade of a version-3 file (the name
 * index back-filled by migration 6). The methods themselves are in the contract suite (contract.ts),
 * run against every backend.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from '../../../ca-server/src/store/sqlite-migrations.js';
import { SqliteCaStore } from '../../../ca-server/src/store/sqlite-store.js';
import type { CertificateRecord } from '../../../ca-server/src/store/types.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const audit = (action: string, time = T0) => ({ time, actor: 'test', action, details: {} });
const HOUR = 3_600_000;

function cert(serial: string, host: string, over: Partial<CertificateRecord> = {}): CertificateRecord {
  return {
    serial,
    host,
    subject: `CN=${host}`,
    sans: [],
    notBefore: T0,
    notAfter: new Date(T0.getTime() + 24 * HOUR),
    status: 'valid',
    revokedAt: null,
    reason: null,
    fingerprint: `f${serial}`.padEnd(64, '0'),
    der: Uint8Array.of(1, 2, 3),
    issuerId: 'issuer',
    renewedFrom: null,
    issuedAt: T0,
    certTtlSeconds: 86400,
    ...over,
  };
}

async function issue(s: SqliteCaStore, c: CertificateRecord): Promise<void> {
  const hash = `t${c.serial}`.padEnd(64, '0');
  await s.createToken(
    { hash, subject: c.host, sans: c.sans, certTtlSeconds: 60, createdAt: T0, expiresAt: at(3600), usedAt: null, createdBy: 'x' },
    audit('token.create'),
  );
  await s.issueWithToken({ tokenHash: hash, now: T0, certificate: c, audit: audit('certificate.issue') });
}

describe('SqliteCaStore console methods', () => {
  let dir: string;
  let file: string;
  let s: SqliteCaStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapki-store-ui-'));
    file = join(dir, 'ca.db');
    s = SqliteCaStore.open(file);
    await s.putCaCertificates(
      [
        { id: 'issuer', role: 'root', der: Uint8Array.of(9), notAfter: new Date('2030-01-01Z'), issuing: true },
        { id: 'other', role: 'intermediate', der: Uint8Array.of(8), notAfter: new Date('2030-01-01Z'), issuing: false },
      ],
      audit('ca.init'),
    );
    await s.createAdminToken({ hash: 'a'.repeat(64), role: 'admin', name: 'alice', createdAt: T0 }, audit('admin_token.create'));
  });
  afterEach(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a version-3 file is upgraded: the name index is filled from existing certificates', async () => {
    await s.close();
    rmSync(file);
    s = SqliteCaStore.open(file, { migrations: SQLITE_MIGRATIONS.filter((m) => m.version <= 3) });
    // A file of that version, as that version wrote it (its columns only).
    s.db.prepare("INSERT INTO ca_certificates (id, role, der, not_after, issuing) VALUES ('issuer', 'root', X'09', 1893456000000, 1)").run();
    await issue(s, cert('0a', 'Old-Host', { sans: ['dns:old.example', 'uri:spiffe://x/y'] }));
    await s.close();
    s = SqliteCaStore.open(file);
    expect(s.schemaVersions()).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    const names = (s.db.prepare('SELECT name FROM certificate_names ORDER BY name').all() as { name: string }[]).map((r) => r.name);
    expect(names).toEqual(['old-host', 'old.example', 'spiffe://x/y']);
    expect((await s.searchCertificates({ now: T0, sort: 'newest', limit: 5, namePrefix: 'old.' })).items.map((c) => c.serial)).toEqual(['0a']);
  });
});
