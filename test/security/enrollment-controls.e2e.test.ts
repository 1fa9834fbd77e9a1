/**
 * Controls against rogue enrollment, a stolen host key, a stolen or guessed admin token and
 * hostile input (docs/security.md), over real HTTPS against a real `rapki ca serve`:
 * - enrollment tokens: 256-bit random, one-time, expiring, bound to names; the CSR must prove
 *   possession of the key and carry exactly the token's names (ca-server/src/authority/authority.ts,
 *   issuance-rules.ts); weak keys refused; a failed attempt does not burn the token;
 * - renewal only with the current, unrevoked certificate of this CA as TLS client certificate
 *   (http/enroll-routes.ts `clientCertificate`, authority.renew);
 * - host revocation revokes every certificate of the host and blocks re-enrollment and renewal;
 * - admin roles: an operator token cannot revoke or mint admin tokens (http/admin-auth.ts);
 * - input limits: body size, strict fields, media type (http/app.ts, validate.ts), the emulator's
 *   body limit; per-IP rate limits (http/rate-limit.ts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/src/index.js';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { runCli } from '../support/cli.js';
import { makeTempDir, removeTempDir } from '../support/openssl.js';
import { caRequest, postJson, type CaAnswer } from './helpers/https.js';
import { flipByte } from '../support/bytes.js';

const openssl = (args: string[]): string => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const codeOf = (a: CaAnswer): string => (JSON.parse(a.body) as { code: string }).code;

describe('enrollment, renewal and admin controls', () => {
  let ca: CaServerProcess;
  let root: string;
  let tmp: string;
  let adminEnv: Record<string, string>;
  let n = 0;

  /** A key and a CSR for `cn` (openssl, independent of rapki's CSR builder). */
  function csr(cn: string, keySpec: string[] = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']): { csr: string; key: string } {
    const base = join(tmp, `k${++n}`);
    openssl(['req', '-new', ...keySpec, '-nodes', '-keyout', `${base}.key`, '-subj', `/CN=${cn}`, '-out', `${base}.csr`]);
    return { csr: readFileSync(`${base}.csr`, 'utf8'), key: readFileSync(`${base}.key`, 'utf8') };
  }
  async function token(subject: string, extra: string[] = []): Promise<string> {
    const r = await runCli(['token', 'create', '--subject', subject, '--json', ...extra], { env: adminEnv });
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.out) as { token: string }).token;
  }
  const enroll = (tok: string, c: string) => postJson(ca.url, '/v1/enroll', root, { token: tok, csr: c });

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-sec-enroll-');
    ca = await startCaServerProcess();
    root = readFileSync(ca.rootPem, 'utf8');
    adminEnv = { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
  }, 60_000);

  afterAll(async () => {
    await ca?.dispose();
    if (tmp) await removeTempDir(tmp);
  });

  it('a guessed or malformed enrollment token is refused (token_invalid)', async () => {
    const { csr: c } = csr('guess');
    for (const t of ['rapki_et_' + 'A'.repeat(43), 'rapki_et_short', 'not-a-token', ca.adminToken]) {
      const a = await enroll(t, c);
      expect([a.status, codeOf(a)]).toEqual([401, 'token_invalid']);
    }
  });

  it('the CSR must carry exactly the token names; a mismatch does not burn the token', async () => {
    const t = await token('bound-host');
    const wrong = await enroll(t, csr('other-host').csr);
    expect([wrong.status, codeOf(wrong)]).toEqual([403, 'name_mismatch']);
    const ok = await enroll(t, csr('bound-host').csr);
    expect(ok.status, ok.body).toBe(201);
  });

  it('a token is good for one certificate only (token_used on replay)', async () => {
    const t = await token('once-host');
    expect((await enroll(t, csr('once-host').csr)).status).toBe(201);
    const again = await enroll(t, csr('once-host').csr);
    expect([again.status, codeOf(again)]).toEqual([401, 'token_used']);
  });

  // An expired token is refused (token_expired): with the server's clock moved, in
  // test/ca-server/http/token-expiry.int.test.ts; here, that the CLI's --ttl reaches the server.
  it('a token carries the ttl it was created with', async () => {
    const r = await runCli(['token', 'create', '--subject', 'late-host', '--ttl', '90s', '--json'], { env: adminEnv });
    expect(r.code, r.stderr).toBe(0);
    const before = Date.now();
    const { expiresAt } = JSON.parse(r.out) as { expiresAt: string };
    expect(Date.parse(expiresAt)).toBeGreaterThan(before + 60_000);
    expect(Date.parse(expiresAt)).toBeLessThanOrEqual(before + 90_000);
  });

  it('proof of possession: a CSR whose signature does not verify is refused (invalid_csr)', async () => {
    const t = await token('pop-host');
    const good = csr('pop-host').csr;
    const der = Buffer.from(good.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    flipByte(der, -5); // inside the signature value
    const bad = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE REQUEST-----\n`;
    const a = await enroll(t, bad);
    expect([a.status, codeOf(a)]).toEqual([400, 'invalid_csr']);
    expect((await enroll(t, good)).status).toBe(201);
  });

  it('weak keys are refused (weak_key)', async () => {
    const t = await token('weak-host');
    const a = await enroll(t, csr('weak-host', ['-newkey', 'rsa:1024']).csr);
    expect([a.status, codeOf(a)]).toEqual([400, 'weak_key']);
  });

  it('keys the CA cannot live with are weak_key: EC with explicit curve parameters, RSA exponent other than 65537', async () => {
    // P-256 written with explicit parameters (RFC 5480 §2.1.1 allows only namedCurve): openssl
    // itself fails to verify a leaf for such a key (error 94), so it could never renew.
    const ecKey = join(tmp, 'explicit.key');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-pkeyopt', 'ec_param_enc:explicit', '-out', ecKey]);
    expect(openssl(['pkey', '-in', ecKey, '-noout', '-text'])).toMatch(/Field Type: prime-field/);
    const t1 = await token('explicit-host');
    const a = await enroll(t1, csr('explicit-host', ['-key', ecKey]).csr);
    expect([a.status, codeOf(a)]).toEqual([400, 'weak_key']);
    // RSA-2048 with e = 3 and e = 17.
    for (const e of ['3', '17']) {
      const t = await token(`rsa-e${e}-host`);
      const r = await enroll(t, csr(`rsa-e${e}-host`, ['-newkey', 'rsa:2048', '-pkeyopt', `rsa_keygen_pubexp:${e}`]).csr);
      expect([e, r.status, codeOf(r)]).toEqual([e, 400, 'weak_key']);
      // The token was not burnt: the same host enrolls with a 65537 key.
      expect((await enroll(t, csr(`rsa-e${e}-host`, ['-newkey', 'rsa:2048']).csr)).status).toBe(201);
    }
    // The named-curve P-256 key of the same size is fine (control).
    expect((await enroll(t1, csr('explicit-host').csr)).status).toBe(201);
  });

  it("renewal needs this CA's current certificate as TLS client certificate", async () => {
    const c = csr('renew-host');
    const issued = JSON.parse((await enroll(await token('renew-host'), c.csr)).body) as { certificate: string; chain: string };
    const next = csr('renew-host').csr;
    const none = await postJson(ca.url, '/v1/renew', root, { csr: next });
    expect([none.status, codeOf(none)]).toEqual([401, 'client_certificate_required']);
    // A certificate for the same name from another CA.
    const foreignKey = join(tmp, 'foreign.key');
    const foreignCert = join(tmp, 'foreign.pem');
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      foreignKey,
      '-out',
      foreignCert,
      '-subj',
      '/CN=renew-host',
      '-days',
      '1',
    ]);
    const foreign = await postJson(ca.url, '/v1/renew', root, { csr: next }, undefined, {
      cert: readFileSync(foreignCert, 'utf8'),
      key: readFileSync(foreignKey, 'utf8'),
    });
    expect([foreign.status, codeOf(foreign)]).toEqual([401, 'certificate_untrusted']);
    const ok = await postJson(ca.url, '/v1/renew', root, { csr: next }, undefined, { cert: issued.certificate + issued.chain, key: c.key });
    expect(ok.status, ok.body).toBe(201);
  });

  it('host revocation: its certificates cannot renew, and the host cannot enroll again', async () => {
    const c = csr('stolen-host');
    const issued = JSON.parse((await enroll(await token('stolen-host'), c.csr)).body) as { certificate: string; chain: string };
    const pending = await token('stolen-host'); // minted before the revocation
    const rev = await runCli(['cert', 'revoke', '--host', 'stolen-host', '--reason', 'keyCompromise'], { env: adminEnv });
    expect(rev.code, rev.stderr).toBe(0);
    const renew = await postJson(ca.url, '/v1/renew', root, { csr: csr('stolen-host').csr }, undefined, {
      cert: issued.certificate + issued.chain,
      key: c.key,
    });
    expect([renew.status, codeOf(renew)]).toEqual([403, 'certificate_revoked']);
    const again = await enroll(pending, csr('stolen-host').csr);
    expect([again.status, codeOf(again)]).toEqual([403, 'host_blocked']);
  });

  it('an operator token mints enrollment tokens but cannot revoke or mint admin tokens', async () => {
    const op = JSON.parse((await postJson(ca.url, '/v1/admin/admin-tokens', root, { name: 'ops', role: 'operator' }, ca.adminToken)).body) as { token: string };
    expect((await postJson(ca.url, '/v1/admin/tokens', root, { subject: 'op-host' }, op.token)).status).toBe(201);
    for (const [path, body] of [
      ['/v1/admin/hosts/op-host/revoke', {}],
      ['/v1/admin/certificates/01/revoke', {}],
      ['/v1/admin/hosts/op-host/unblock', {}],
      ['/v1/admin/admin-tokens', { name: 'escalate', role: 'admin' }],
    ] as const) {
      const a = await postJson(ca.url, path, root, body, op.token);
      expect([path, a.status, codeOf(a)]).toEqual([path, 403, 'forbidden']);
    }
  });

  it('hostile bodies: too large, unknown fields, wrong media type, not JSON — coded 4xx', async () => {
    const big = await postJson(ca.url, '/v1/enroll', root, { token: 'x', csr: 'A'.repeat(70 * 1024) });
    expect([big.status, codeOf(big)]).toEqual([413, 'body_too_large']);
    const extra = await postJson(ca.url, '/v1/admin/tokens', root, { subject: 'h', certTTL: '1h' }, ca.adminToken);
    expect([extra.status, codeOf(extra)]).toEqual([400, 'invalid_request']);
    const type = await caRequest(ca.url, '/v1/enroll', {
      method: 'POST',
      ca: root,
      body: 'token=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([type.status, codeOf(type)]).toEqual([415, 'unsupported_media_type']);
    const notJson = await caRequest(ca.url, '/v1/enroll', { method: 'POST', ca: root, body: '{"token":', headers: { 'content-type': 'application/json' } });
    expect([notJson.status, codeOf(notJson)]).toEqual([400, 'invalid_json']);
    const longTok = await postJson(ca.url, '/v1/enroll', root, { token: 'rapki_et_' + 'A'.repeat(300), csr: 'x' });
    expect([longTok.status, codeOf(longTok)]).toEqual([400, 'invalid_request']);
  });
});

describe('rate limit per client IP', () => {
  let ca: CaServerProcess;
  beforeAll(async () => {
    ca = await startCaServerProcess({ extraArgs: ['--enroll-rate', '1'] });
  }, 60_000);
  afterAll(async () => {
    await ca?.dispose();
  });

  it('a burst of enrollment calls from one IP gets 429 rate_limited with Retry-After; public reads are not limited', async () => {
    const root = readFileSync(ca.rootPem, 'utf8');
    const answers: CaAnswer[] = [];
    for (let i = 0; i < 6; i++) answers.push(await postJson(ca.url, '/v1/enroll/info', root, { token: 'rapki_et_' + 'B'.repeat(43) }));
    const codes = answers.map(codeOf);
    expect(codes.slice(0, 2)).toEqual(['token_invalid', 'token_invalid']); // burst 2x the rate
    expect(codes).toContain('rate_limited');
    const limited = answers.find((a) => codeOf(a) === 'rate_limited')!;
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await caRequest(ca.url, '/v1/ca', { ca: root })).status).toBe(200);
  });
});

describe('emulator input limit', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('a body over 1 MiB is refused with 413 before parsing', async () => {
    const res = await fetch(`${emu.url}/sessions`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(res.headers.get('x-amzn-errortype') ?? (await res.text())).toMatch(/RequestEntityTooLarge|too large/i);
  });
});
