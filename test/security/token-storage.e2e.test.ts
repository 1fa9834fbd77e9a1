/**
 * Control "tokens stored hashed" (docs/security.md): enrollment and admin tokens are stored only as
 * SHA-256 (ca-server/src/authority/secret-tokens.ts, used by init.ts and authority.ts), so a copy of
 * the database yields no usable token. The test makes tokens through the real server, then reads
 * the raw bytes of the SQLite database and its WAL/SHM files — while the server runs and after it
 * stopped — and looks for each token in every encoding; it also checks what IS stored: the hash.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

function postJson(url: string, path: string, caPem: string, token: string, body: unknown): Promise<{ status: number; json: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = request(
      new URL(path, url),
      {
        method: 'POST',
        ca: caPem,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(data.length) },
      },
      (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(b) as Record<string, string> }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Every encoding in which a token could sit in the file. */
function forms(token: string): Buffer[] {
  const body = token.replace(/^rapki_[a-z]{2}_/, '');
  return [
    Buffer.from(token, 'utf8'),
    Buffer.from(token, 'utf16le'),
    Buffer.from(body, 'utf8'),
    Buffer.from(body, 'base64url'), // the 32 random bytes themselves
    Buffer.from(Buffer.from(body, 'base64url').toString('hex'), 'utf8'),
  ];
}

function dbFiles(dir: string): { name: string; bytes: Buffer }[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('ca.db'))
    .map((f) => ({ name: f, bytes: readFileSync(join(dir, f)) }));
}

describe('tokens are stored hashed', () => {
  let ca: CaServerProcess;
  const tokens: { what: string; token: string }[] = [];

  beforeAll(async () => {
    ca = await startCaServerProcess();
    const env = { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
    tokens.push({ what: 'initial admin token', token: ca.adminToken });
    for (const subject of ['host-a', 'host-b']) {
      const r = await runCli(['token', 'create', '--subject', subject, '--json'], { env });
      expect(r.code, r.stderr).toBe(0);
      tokens.push({ what: `enrollment token ${subject}`, token: (JSON.parse(r.out) as { token: string }).token });
    }
    const root = readFileSync(ca.rootPem, 'utf8');
    for (const role of ['admin', 'operator']) {
      const r = await postJson(ca.url, '/v1/admin/admin-tokens', root, ca.adminToken, { name: `second-${role}`, role });
      expect(r.status).toBe(201);
      tokens.push({ what: `${role} token`, token: r.json.token! });
    }
  }, 60_000);

  afterAll(async () => {
    await ca?.dispose();
  });

  it('made five distinct, well-formed tokens', () => {
    expect(new Set(tokens.map((t) => t.token)).size).toBe(5);
    for (const t of tokens) expect(t.token).toMatch(/^rapki_(et|at)_[A-Za-z0-9_-]{43}$/);
  });

  it('no token appears in the database files while the server runs, nor after it stopped', async () => {
    for (const phase of ['running', 'stopped']) {
      if (phase === 'stopped') expect(await ca.stop()).toBe(0);
      const files = dbFiles(ca.dir);
      expect(files.map((f) => f.name)).toContain('ca.db');
      const all = Buffer.concat(files.map((f) => f.bytes));
      for (const t of tokens) {
        for (const f of forms(t.token)) expect(all.indexOf(f), `${t.what} found in the ${phase} database files`).toBe(-1);
      }
      // What is stored instead: the SHA-256 hex of each token (so this search looks at the right bytes).
      for (const t of tokens) expect(all.includes(Buffer.from(sha256(t.token))), `hash of ${t.what} (${phase})`).toBe(true);
    }
  });

  it('the token tables hold exactly the hashes, and no other file of the CA directory holds a token', () => {
    const db = new Database(join(ca.dir, 'ca.db'), { readonly: true });
    try {
      const et = db.prepare('SELECT hash FROM tokens').all() as { hash: string }[];
      const at = db.prepare('SELECT hash FROM admin_tokens').all() as { hash: string }[];
      expect(new Set(et.map((r) => r.hash))).toEqual(new Set(tokens.filter((t) => t.token.startsWith('rapki_et_')).map((t) => sha256(t.token))));
      expect(new Set(at.map((r) => r.hash))).toEqual(new Set(tokens.filter((t) => t.token.startsWith('rapki_at_')).map((t) => sha256(t.token))));
    } finally {
      db.close();
    }
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    const files = walk(ca.dir);
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const t of tokens) expect(bytes.indexOf(Buffer.from(t.token)), `${t.what} in ${f}`).toBe(-1);
    }
  });
});
