/**
 * C27 (formerly gap 7 of docs/security.md): the audit chain can be anchored. `rapki audit verify`
 * prints the head (`audit head: SEQ:HASH`, `head` in --json); `--expect-head SEQ:HASH` fails with
 * `audit_head_mismatch` (exit 1) when the chain no longer holds that head. The attack it catches is
 * shown for real: someone with write access to ca.db rewrites an old record and recomputes every
 * later hash; the plain check passes, the check against the saved head does not.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRecordHash, AUDIT_GENESIS_HASH } from '../../common/src/audit/audit-chain.js';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { runCli } from '../support/cli.js';

describe('C27: audit chain head export and --expect-head', () => {
  let ca: CaServerProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    ca = await startCaServerProcess();
    env = { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
  }, 60_000);

  afterAll(async () => {
    await ca?.dispose();
  });

  const verify = (...extra: string[]) => runCli(['audit', 'verify', ...extra], { env });
  const tokenCreate = async (subject: string) => {
    const r = await runCli(['token', 'create', '--subject', subject, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
  };

  it('prints the head, accepts it later, and catches a consistent rewrite of the history before it', async () => {
    await tokenCreate('anchor-1');
    await tokenCreate('anchor-2');
    const text = await verify();
    expect(text.code, text.stderr).toBe(0);
    const m = /^audit head: (\d+):([0-9a-f]{64})$/m.exec(text.out);
    expect(m, text.out).not.toBeNull();
    const saved = `${m![1]}:${m![2]}`;
    const json = await verify('--json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, head: saved, headSeq: Number(m![1]), lastHash: m![2] });

    // The log grows; the saved head still holds, over the API and from the directory.
    await tokenCreate('anchor-3');
    expect((await verify('--expect-head', saved)).code).toBe(0);
    const fromDir = await runCli(['audit', 'verify', '--dir', ca.dir, '--expect-head', saved]);
    expect(fromDir.code, fromDir.stderr).toBe(0);

    // Someone with write access to ca.db rewrites record 2 (drops the append-only triggers) and
    // recomputes the whole chain: the plain check cannot tell.
    const db = new Database(join(ca.dir, 'ca.db'));
    try {
      db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
      const rows = db.prepare('SELECT seq, time, actor, action, details FROM audit_log ORDER BY seq').all() as Array<{
        seq: number;
        time: string;
        actor: string;
        action: string;
        details: string;
      }>;
      expect(rows.length).toBeGreaterThanOrEqual(3);
      let prev = AUDIT_GENESIS_HASH;
      const upd = db.prepare('UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?');
      for (const r of rows) {
        const actor = r.seq === 2 ? 'admin:someone-else' : r.actor;
        const hash = auditRecordHash(prev, { seq: r.seq, time: r.time, actor, action: r.action, details: JSON.parse(r.details) as Record<string, unknown> });
        upd.run(actor, prev, hash, r.seq);
        prev = hash;
      }
    } finally {
      db.close();
    }
    const plain = await verify();
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.out).not.toContain(`audit head: ${saved}`);

    const api = await verify('--expect-head', saved);
    expect(api.code).toBe(1);
    expect(api.out).toBe('');
    expect(api.stderr).toMatch(new RegExp(`audit_head_mismatch: .*record ${m![1]} has hash [0-9a-f]{64}, not the expected ${m![2]}`));
    const dir = await runCli(['audit', 'verify', '--dir', ca.dir, '--expect-head', saved]);
    expect(dir.code).toBe(1);
    expect(dir.stderr).toContain('audit_head_mismatch');

    // A head beyond the end of the log (records cut off) is refused too; malformed input is a usage error.
    const beyond = await verify('--expect-head', `999999:${m![2]}`);
    expect([beyond.code, /audit_head_mismatch/.test(beyond.stderr)]).toEqual([1, true]);
    const bad = await verify('--expect-head', 'not-a-head');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('SEQ:HASH');
  });
});
