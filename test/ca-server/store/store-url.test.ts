/** Store URL parsing and the libpq-style password lookup (no database needed). */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pgPassword } from '../../../ca-server/src/store/pg-password.js';
import { displayUrl, parseStoreUrl, storeUrlOf, type PgConnectionSpec } from '../../../ca-server/src/store/store-url.js';

const tmp = mkdtempSync(join(tmpdir(), 'rapki-store-url-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const pgSpec = (url: string, origin: 'flag' | 'file' | 'env' = 'env', env: NodeJS.ProcessEnv = {}): PgConnectionSpec => {
  const l = parseStoreUrl(url, { origin, dir: tmp, env });
  if (l.backend !== 'postgres') throw new Error('not postgres');
  return l.spec;
};
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('store URL', () => {
  it('defaults to sqlite:<dir>/ca.db; flag, file, environment and ca.json take precedence in that order', () => {
    expect(storeUrlOf({ dir: tmp, env: {} })).toEqual({ url: `sqlite:${join(tmp, 'ca.db')}`, origin: 'default' });
    expect(storeUrlOf({ dir: tmp, env: {}, recorded: 'postgres://r@h/db' })).toEqual({ url: 'postgres://r@h/db', origin: 'ca.json' });
    expect(storeUrlOf({ dir: tmp, env: { RAPKI_CA_STORE_URL: ' postgres://e@h/db ' }, recorded: 'postgres://r@h/db' })).toEqual({
      url: 'postgres://e@h/db',
      origin: 'env',
    });
    const f = join(tmp, 'url');
    writeFileSync(f, 'postgresql://f:secret@h/db\n', { mode: 0o600 });
    expect(storeUrlOf({ dir: tmp, urlFile: f, env: { RAPKI_CA_STORE_URL: 'postgres://e@h/db' } })).toEqual({
      url: 'postgresql://f:secret@h/db',
      origin: 'file',
    });
    expect(storeUrlOf({ dir: tmp, url: 'postgres://x@h/db', env: { RAPKI_CA_STORE_URL: 'postgres://e@h/db' } })).toEqual({
      url: 'postgres://x@h/db',
      origin: 'flag',
    });
    expect(codeOf(() => storeUrlOf({ dir: tmp, url: 'a', urlFile: f, env: {} }))).toBe('store_url_invalid');
    expect(codeOf(() => storeUrlOf({ dir: tmp, urlFile: join(tmp, 'missing'), env: {} }))).toBe('store_url_invalid');
    const warned: string[] = [];
    chmodSync(f, 0o644);
    storeUrlOf({ dir: tmp, urlFile: f, env: {}, warn: (m) => warned.push(m) });
    expect(warned).toEqual([expect.stringMatching(/readable by group or others/)]);
  });

  it('sqlite: paths, absolute or relative to the CA directory', () => {
    expect(parseStoreUrl('sqlite:/var/x.db', { origin: 'flag', dir: tmp })).toEqual({ backend: 'sqlite', file: '/var/x.db', display: 'sqlite:/var/x.db' });
    expect(parseStoreUrl('sqlite:///var/x.db', { origin: 'flag', dir: tmp })).toMatchObject({ file: '/var/x.db' });
    expect(parseStoreUrl('sqlite:ca.db', { origin: 'flag', dir: tmp })).toMatchObject({ file: join(tmp, 'ca.db') });
    expect(codeOf(() => parseStoreUrl('sqlite:', { origin: 'flag', dir: tmp }))).toBe('store_url_invalid');
    expect(codeOf(() => parseStoreUrl('mysql://h/db', { origin: 'flag', dir: tmp }))).toBe('store_url_invalid');
  });

  it('postgres URLs: fields, libpq environment defaults, rapki parameters, bad values refused', () => {
    expect(pgSpec('postgres://alice@db.example:6543/rapki?sslmode=verify-full&sslrootcert=/etc/ca.pem&pool_max=20&statement_timeout=5000')).toMatchObject({
      host: 'db.example',
      port: 6543,
      user: 'alice',
      database: 'rapki',
      password: undefined,
      sslmode: 'verify-full',
      sslrootcert: '/etc/ca.pem',
      poolMax: 20,
      statementTimeoutMs: 5000,
    });
    expect(pgSpec('postgresql://[::1]/d')).toMatchObject({ host: '::1', port: 5432, database: 'd', sslmode: 'prefer' });
    expect(pgSpec('postgres://', 'env', { PGHOST: 'envhost', PGPORT: '7777', PGUSER: 'u', PGDATABASE: 'envdb', PGSSLMODE: 'require' })).toMatchObject({
      host: 'envhost',
      port: 7777,
      user: 'u',
      database: 'envdb',
      sslmode: 'require',
    });
    expect(pgSpec('postgres://u@/d?host=/run/pg')).toMatchObject({ host: '/run/pg', user: 'u', database: 'd' });
    expect(pgSpec('postgres://u@h/d?connect_timeout=3')).toMatchObject({ connectTimeoutMs: 3000 });
    for (const bad of [
      'postgres://h/d?sslmode=maybe',
      'postgres://h/d?pool_max=0',
      'postgres://h:99999/d',
      'postgres://h/d?unknown=1',
      'postgres://h/d?statement_timeout=x',
    ]) {
      expect(
        codeOf(() => pgSpec(bad)),
        bad,
      ).toBe('store_url_invalid');
    }
  });

  it('a password on the command line is refused; from a file or the environment it is used but never displayed', () => {
    expect(codeOf(() => pgSpec('postgres://u:s3cret@h/d', 'flag'))).toBe('store_url_has_password');
    expect(codeOf(() => pgSpec('postgres://u@h/d?password=s3cret', 'flag'))).toBe('store_url_has_password');
    const s = pgSpec('postgres://u:s%40cret@h/d?sslmode=disable', 'file');
    expect(s.password).toBe('s@cret');
    expect(displayUrl(s)).toBe('postgres://u@h:5432/d?sslmode=disable');
    expect(displayUrl(s)).not.toContain('cret');
    expect(pgSpec('postgres://u@h/d', 'flag').password).toBeUndefined();
  });

  it('password lookup: the URL, then PGPASSWORD, then a 0600 PGPASSFILE (wildcards, escapes, first match)', () => {
    const spec = pgSpec('postgres://app@db.example:5433/rapki');
    const pass = join(tmp, 'pgpass');
    writeFileSync(pass, ['# comment', 'other.example:5433:rapki:app:nope', 'db.example:5433:rapki:app:pa\\:ss\\\\word', '*:*:*:*:fallback'].join('\n'), {
      mode: 0o600,
    });
    expect(pgPassword({ ...spec, password: 'fromurl' }, { env: { PGPASSWORD: 'env', PGPASSFILE: pass } })).toBe('fromurl');
    expect(pgPassword(spec, { env: { PGPASSWORD: 'env', PGPASSFILE: pass } })).toBe('env');
    expect(pgPassword(spec, { env: { PGPASSFILE: pass } })).toBe('pa:ss\\word');
    expect(pgPassword({ ...spec, database: 'other' }, { env: { PGPASSFILE: pass } })).toBe('fallback');
    const warned: string[] = [];
    chmodSync(pass, 0o644);
    expect(pgPassword(spec, { env: { PGPASSFILE: pass }, warn: (m) => warned.push(m) })).toBeUndefined();
    expect(warned).toEqual([expect.stringMatching(/ignored; chmod 0600/)]);
    expect(pgPassword(spec, { env: { PGPASSFILE: join(tmp, 'none') } })).toBeUndefined();
  });
});
