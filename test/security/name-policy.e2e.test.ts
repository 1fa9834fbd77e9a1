/**
 * Names (docs/security.md C34, docs/ca-api.md "Names"), with real processes: `rapki ca serve`,
 * `rapki emulator` standing in for Roles Anywhere, and the CLI.
 *
 * - Names Roles Anywhere cannot turn into session tags, or that deceive a reader, are refused when
 *   the token is created (over the API and already in the CLI): `bad name!` used to enroll and then
 *   fail only at CreateSession; C1 controls, bidi overrides, zero-width characters, lone surrogates
 *   and look-alike letters were accepted; SANs the encoder cannot write (non-ASCII URI or e-mail)
 *   were accepted at token creation.
 * - What is accepted can be issued AND used: international names (DNS as A-labels), `@ = + : /` in
 *   the CN, SPIFFE URIs enroll and get credentials from the emulator.
 * - A name that holds a control or bidi character anyway (a token minted before the policy) is
 *   printed escaped by `cert list`, so it cannot rewrite the terminal line.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENROLLMENT_TOKEN_PREFIX, hashSecretToken, newSecretToken } from '../../ca-server/src/authority/secret-tokens.js';
import { SqliteCaStore } from '../../ca-server/src/store/sqlite-store.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from '../cli/aws/emulator-process.js';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { runCli, type CliResult } from '../support/cli.js';
import { makeTempDir, removeTempDir } from '../support/openssl.js';
import { postJson, type CaAnswer } from './helpers/https.js';

const ROLE = 'arn:aws:iam::123456789012:role/rapki-names';
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;
const body = (a: CaAnswer): { code: string; message: string } => JSON.parse(a.body) as { code: string; message: string };

describe('C34: one name policy, checked when the token is created', () => {
  let tmp: string;
  let emu: EmulatorProcess;
  let ca: CaServerProcess;
  let root: string;
  let adminEnv: Record<string, string>;
  let reg: { trustAnchorArn: string; profileArn: string };

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-sec-names-');
    emu = await startEmulatorProcess();
    ca = await startCaServerProcess({ env: { ...TEST_AWS_ENV } });
    root = readFileSync(ca.rootPem, 'utf8');
    adminEnv = { ...TEST_AWS_ENV, RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
    const r = await runCli(['aws', 'register', '--json', '--role-arn', ROLE, '--endpoint', emu.url], { env: adminEnv, timeoutMs: 60_000 });
    expect(r.code, fail(r)).toBe(0);
    reg = JSON.parse(r.out) as { trustAnchorArn: string; profileArn: string };
  }, 90_000);

  afterAll(async () => {
    await ca?.dispose();
    await emu?.dispose();
    if (tmp) await removeTempDir(tmp);
  });

  it('the API refuses subjects and SANs outside the policy (400 invalid_request, with the reason)', async () => {
    const subjects: [string, RegExp][] = [
      ['bad name!', /"!"/],
      ['c1\u0085control', /U\+0085 is a control character/],
      ['invoice\u202Etxt.exe', /U\+202E is a bidirectional control character/],
      ['zero\u200Bwidth', /U\+200B is an invisible formatting character/],
      ['lone\uD800surrogate', /U\+D800 is a lone surrogate/],
      ['p\u0430ypal', /mixes letters of Latin and Cyrillic/],
      ['\uFF57\uFF45\uFF42-1', /compatibility form/],
    ];
    for (const [subject, why] of subjects) {
      const a = await postJson(ca.url, '/v1/admin/tokens', root, { subject }, ca.adminToken);
      expect([JSON.stringify(subject), a.status, body(a).code]).toEqual([JSON.stringify(subject), 400, 'invalid_request']);
      expect(body(a).message).toMatch(why);
    }
    const sans: [string, RegExp][] = [
      ['uri:https://b\u00FCcher.example/', /must be ASCII/],
      ['email:j\u00F6rg@example.com', /local part must be ASCII/],
      ['uri:https://x.example/?q=1', /no %-escapes, \? or #/],
      ['dns:p\u0430ypal.example', /mixes letters of Latin and Cyrillic/],
      ['dns:a\u202Eb.example', /U\+202E/],
      ['ip:fe80::1%eth0', /no zone index/],
    ];
    for (const [san, why] of sans) {
      const a = await postJson(ca.url, '/v1/admin/tokens', root, { subject: 'policy-host', sans: [san] }, ca.adminToken);
      expect([san, a.status, body(a).code]).toEqual([san, 400, 'invalid_request']);
      expect(body(a).message).toMatch(why);
    }
  });

  it('the CLI refuses them before sending (subject_invalid, san_invalid), escaping what it quotes', async () => {
    const s = await runCli(['token', 'create', '--subject', 'bad name!'], { env: adminEnv });
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/^rapki: subject_invalid: --subject "bad name!": "!"/);
    const b = await runCli(['token', 'create', '--subject', 'evil\u202Efdp.exe'], { env: adminEnv });
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('evil\\u{202E}fdp.exe');
    expect(b.stderr).not.toContain('\u202E');
    const u = await runCli(['token', 'create', '--subject', 'ok-host', '--san', 'uri:https://b\u00FCcher.example/'], { env: adminEnv });
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/^rapki: san_invalid: uri:https:\/\/b\u00FCcher\.example\/: a URI must be ASCII/);
  });

  it('what the policy accepts is issued and gets credentials from Roles Anywhere (emulator): IDNs as A-labels, @ = + : / in the CN', async () => {
    const cases: { subject: string; sans: string[]; expectSans: string[] }[] = [
      {
        subject: 'caf\u00E9-1',
        sans: ['dns:b\u00FCcher.example', 'email:ops@b\u00FCcher.example'],
        expectSans: ['dns:xn--bcher-kva.example', 'email:ops@xn--bcher-kva.example'],
      },
      {
        subject: '\u6771\u4EAC\u30B5\u30FC\u30D0\u30FC1',
        sans: ['uri:spiffe://example.org/ns/prod/sa/web'],
        expectSans: ['uri:spiffe://example.org/ns/prod/sa/web'],
      },
      { subject: 'svc@host=a+b:c/d', sans: ['dns:Web-1.Example', 'ip:2001:DB8::7'], expectSans: ['dns:web-1.example', 'ip:2001:db8::7'] },
    ];
    for (const [i, c] of cases.entries()) {
      const tok = await runCli(['token', 'create', '--subject', c.subject, ...c.sans.flatMap((s) => ['--san', s]), '--json'], { env: adminEnv });
      expect(tok.code, fail(tok)).toBe(0);
      const token = (JSON.parse(tok.out) as { token: string }).token;
      const hostDir = join(tmp, `host-${i}`);
      const enr = await runCli(['enroll', '--ca-url', ca.url, '--ca-fingerprint', ca.fingerprint, '--out', hostDir], { env: { RAPKI_ENROLL_TOKEN: token } });
      expect(enr.code, fail(enr)).toBe(0);
      // openssl reads the certificate: CN as given, SANs in their canonical (A-label) form.
      const text = execFileSync(
        'openssl',
        ['x509', '-in', join(hostDir, 'certificate.pem'), '-noout', '-subject', '-ext', 'subjectAltName', '-nameopt', 'utf8,sep_comma_plus'],
        { encoding: 'utf8' },
      );
      expect(text).toContain(`subject=CN=${c.subject}\n`);
      for (const s of c.expectSans) {
        const [type, value] = [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1)];
        const shown = { dns: 'DNS', email: 'email', uri: 'URI', ip: 'IP Address' }[type]!;
        expect(text.toLowerCase()).toContain(`${shown}:${type === 'ip' ? '2001:db8:0:0:0:0:0:7' : value}`.toLowerCase());
      }
      const cp = await runCli([
        'credential-process',
        '--certificate',
        join(hostDir, 'certificate.pem'),
        '--private-key',
        join(hostDir, 'private-key.pem'),
        '--trust-anchor-arn',
        reg.trustAnchorArn,
        '--profile-arn',
        reg.profileArn,
        '--role-arn',
        ROLE,
        '--region',
        'us-east-1',
        '--endpoint',
        emu.url,
      ]);
      expect(cp.code, `${c.subject}: ${fail(cp)}`).toBe(0);
      expect((JSON.parse(cp.out) as { Version: number }).Version).toBe(1);
    }
  }, 120_000);

  it('cert list escapes a name that holds controls anyway (a token minted before the policy)', async () => {
    // Bidi override, a C1 control and a zero-width space: what token creation accepted before the policy.
    const host = 'legacy\u202Egnp.exe\u0085\u200B';
    const token = newSecretToken(ENROLLMENT_TOKEN_PREFIX, (n) => new Uint8Array(randomBytes(n)));
    // What an older rapki stored: a token bound to that name, written straight into the store.
    const store = SqliteCaStore.open(join(ca.dir, 'ca.db'));
    try {
      const now = new Date();
      await store.createToken(
        {
          hash: hashSecretToken(token),
          subject: host,
          sans: [],
          certTtlSeconds: 3600,
          createdAt: now,
          expiresAt: new Date(now.getTime() + 3_600_000),
          usedAt: null,
          createdBy: 'admin:legacy',
        },
        { time: now, actor: 'admin:legacy', action: 'token.create', details: { subject: host } },
      );
    } finally {
      await store.close();
    }
    // openssl writes the CN as UTF-8 (the CA compares the DN exactly).
    const key = join(tmp, 'legacy.key');
    const csr = join(tmp, 'legacy.csr');
    execFileSync('openssl', [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      csr,
      '-utf8',
      '-subj',
      `/CN=${host}`,
    ]);
    const enrolled = await postJson(ca.url, '/v1/enroll', root, { token, csr: readFileSync(csr, 'utf8') });
    expect(enrolled.status, enrolled.body).toBe(201);

    const list = await runCli(['cert', 'list', '--host', host], { env: adminEnv });
    expect(list.code, fail(list)).toBe(0);
    expect(list.out).toContain('legacy\\u{202E}gnp.exe\\u{0085}\\u{200B}');
    expect(list.out).not.toMatch(/[\u202E\u0085\u200B]/);
    // --json keeps the exact value for scripts.
    const json = await runCli(['cert', 'list', '--host', host, '--json'], { env: adminEnv });
    expect((JSON.parse(json.out) as { certificates: { host: string }[] }).certificates.map((c) => c.host)).toEqual([host]);
    // The host stays revocable by its exact name, and the answer is escaped too.
    const rev = await runCli(['cert', 'revoke', '--host', host], { env: adminEnv });
    expect(rev.code, fail(rev)).toBe(0);
    expect(rev.out).toContain('legacy\\u{202E}gnp.exe');
    expect(rev.out).not.toMatch(/[\u202E\u0085\u200B]/);
  });
});
