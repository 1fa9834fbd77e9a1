/**
 * Key material and tokens never reach a log (docs/security.md, control "no secrets in logs").
 *
 * A realistic flow through real processes — `ca init`, `ca serve` (debug log level, both streams
 * captured), `aws register` against `rapki emulator` (request log on), `token create`, a refused
 * admin call with a wrong token, `enroll`, a replayed enrollment, `renew`, `credential-process
 * --debug` (fresh and from the cache), `update --once --debug`, `cert revoke --host`, and
 * `credential-process --debug` until refused — then every byte any process wrote to stdout or stderr
 * (and any *.log file) is searched for every secret of the run in every form (see
 * helpers/secrets.ts). The only places a secret may appear are where it is the output: the admin
 * token in `ca init --json`, the enrollment token in `token create`, the AWS credentials on
 * `credential-process`'s stdout.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caStateOf } from '../support/ca-store.js';
import { decryptCaKey } from '../../ca-server/src/keys/key-encryption.js';
import { TEST_AWS_ENV } from '../cli/aws/emulator-process.js';
import { runCli, type CliResult } from '../support/cli.js';
import { makeTempDir, removeTempDir } from '../support/openssl.js';
import { CA_LISTENING_RE, EMULATOR_LISTENING_RE, spawnRapki, type CapturedProcess } from './helpers/processes.js';
import { findSecrets, keyNeedles, stringNeedles, withoutPublic, type Needle, type Transcript } from './helpers/secrets.js';

const ROLE = 'arn:aws:iam::123456789012:role/rapki-security';
const PASSPHRASE = 'test-only-passphrase-0c9e5d1f7a';
/** Well-formed but unknown admin token: a guess must not be logged either. */
const WRONG_ADMIN_TOKEN = 'rapki_at_' + 'Q'.repeat(43);
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;

describe('no secrets in logs: a whole flow, every stream grepped for every secret', () => {
  let tmp: string;
  let emu: CapturedProcess | undefined;
  let ca: CapturedProcess | undefined;
  const transcripts: Transcript[] = [];
  const needles: Needle[] = [];
  const publicTexts: string[] = [];

  /** Runs a one-shot command and records both streams. */
  async function step(label: string, args: string[], env: Record<string, string>, allowedOnStdout: string[] = []): Promise<CliResult> {
    const r = await runCli(args, { env, timeoutMs: 60_000 });
    transcripts.push({ label: `${label} stdout`, text: r.out, allowed: allowedOnStdout });
    transcripts.push({ label: `${label} stderr`, text: r.stderr });
    return r;
  }

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-sec-logs-');
  });

  afterAll(async () => {
    await ca?.stop();
    await emu?.stop();
    if (tmp) await removeTempDir(tmp);
  });

  it('keeps every token, key, passphrase and AWS secret out of every log', async () => {
    // Roles Anywhere + STS stand-in, request log on.
    emu = spawnRapki(['emulator', '--listen', '127.0.0.1:0', '--state', join(tmp, 'emulator.json')], {});
    const emuUrl = (await emu.waitForStdout(EMULATOR_LISTENING_RE))[1]!;

    // The CA, with an intermediate.
    const caDir = join(tmp, 'ca');
    const init = await step('ca init', ['ca', 'init', '--dir', caDir, '--intermediate', '--json'], { RAPKI_CA_PASSPHRASE: PASSPHRASE }, ['admin token']);
    expect(init.code, fail(init)).toBe(0);
    const { adminToken } = JSON.parse(init.out) as { adminToken: string };
    needles.push(...stringNeedles('admin token', adminToken), ...stringNeedles('wrong admin token', WRONG_ADMIN_TOKEN));
    needles.push(...stringNeedles('CA passphrase', PASSPHRASE));
    needles.push(...stringNeedles('control-plane AWS secret key', TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY));
    // The CA keys, decrypted the way `ca serve` does it.
    const keys = await caStateOf(caDir);
    needles.push(...keyNeedles('CA root key', decryptCaKey(keys.rootKey!.value, PASSPHRASE)));
    needles.push(...keyNeedles('CA intermediate key', decryptCaKey(keys.issuingKey!.value, PASSPHRASE)));
    publicTexts.push(readFileSync(join(caDir, 'root.pem'), 'utf8'), readFileSync(join(caDir, 'intermediate.pem'), 'utf8'));

    ca = spawnRapki(['ca', 'serve', '--dir', caDir, '--listen', '127.0.0.1:0'], {
      RAPKI_CA_PASSPHRASE: PASSPHRASE,
      RAPKI_LOG_LEVEL: 'debug',
      ...TEST_AWS_ENV,
    });
    const [, caUrl, , fingerprint] = await ca.waitForStdout(CA_LISTENING_RE);
    needles.push(...keyNeedles('CA server TLS key', readFileSync(join(caDir, 'tls', 'server.key'), 'utf8')));
    publicTexts.push(readFileSync(join(caDir, 'tls', 'server.pem'), 'utf8'));
    const adminEnv = { ...TEST_AWS_ENV, RAPKI_CA_URL: caUrl!, RAPKI_CA_FINGERPRINT: fingerprint!, RAPKI_ADMIN_TOKEN: adminToken };

    const reg = await step('aws register', ['aws', 'register', '--json', '--role-arn', ROLE, '--endpoint', emuUrl], adminEnv);
    expect(reg.code, fail(reg)).toBe(0);
    const { trustAnchorArn, profileArn } = JSON.parse(reg.out) as { trustAnchorArn: string; profileArn: string };

    // A guessed admin token is refused, and the guess is not logged.
    const guess = await step('token create (wrong admin token)', ['token', 'create', '--subject', 'web-sec'], {
      ...adminEnv,
      RAPKI_ADMIN_TOKEN: WRONG_ADMIN_TOKEN,
    });
    expect(guess.code).not.toBe(0);
    expect(guess.stderr).toMatch(/unauthorized/);

    const tok = await step('token create', ['token', 'create', '--subject', 'web-sec', '--json'], adminEnv, ['enrollment token']);
    expect(tok.code, fail(tok)).toBe(0);
    const enrollToken = (JSON.parse(tok.out) as { token: string }).token;
    needles.push(...stringNeedles('enrollment token', enrollToken));

    const hostDir = join(tmp, 'host');
    const hostEnv = { RAPKI_CA_URL: caUrl!, RAPKI_CA_FINGERPRINT: fingerprint!, RAPKI_ENROLL_TOKEN: enrollToken };
    const enr = await step('enroll', ['enroll', '--out', hostDir], hostEnv);
    expect(enr.code, fail(enr)).toBe(0);
    const key1 = readFileSync(join(hostDir, 'private-key.pem'), 'utf8');
    needles.push(...keyNeedles('host key (enrolled)', key1));
    publicTexts.push(readFileSync(join(hostDir, 'certificate.pem'), 'utf8'), readFileSync(join(hostDir, 'chain.pem'), 'utf8'));

    // Replaying the one-time token is refused (and logged as a refusal, without the token).
    const replay = await step('enroll (replayed token)', ['enroll', '--out', join(tmp, 'host2')], hostEnv);
    expect(replay.code).not.toBe(0);
    expect(replay.stderr).toMatch(/token_used/);

    // Renewal with a new key.
    const cert = join(hostDir, 'certificate.pem');
    const keyFile = join(hostDir, 'private-key.pem');
    const ren = await step('renew', ['renew', '--ca-url', caUrl!, '--certificate', cert, '--private-key', keyFile], {});
    expect(ren.code, fail(ren)).toBe(0);
    const key2 = readFileSync(keyFile, 'utf8');
    expect(key2).not.toBe(key1);
    needles.push(...keyNeedles('host key (renewed)', key2));
    publicTexts.push(readFileSync(cert, 'utf8'));

    // credential-process --debug, first from CreateSession, then from the per-user cache.
    const runtimeDir = join(tmp, 'run');
    mkdirSync(runtimeDir, { mode: 0o700 });
    chmodSync(runtimeDir, 0o700);
    const cpArgs = [
      'credential-process',
      '--debug',
      '--certificate',
      cert,
      '--private-key',
      keyFile,
      '--intermediates',
      join(hostDir, 'chain.pem'),
      '--trust-anchor-arn',
      trustAnchorArn,
      '--profile-arn',
      profileArn,
      '--role-arn',
      ROLE,
      '--region',
      'us-east-1',
      '--endpoint',
      emuUrl,
    ];
    const cpEnv = { XDG_RUNTIME_DIR: runtimeDir };
    for (const which of ['fresh', 'cached']) {
      const cp = await step(`credential-process (${which})`, cpArgs, cpEnv, ['AWS session credentials']);
      expect(cp.code, fail(cp)).toBe(0);
      const creds = JSON.parse(cp.out) as { SecretAccessKey: string; SessionToken: string };
      needles.push(...stringNeedles('AWS session credentials', creds.SecretAccessKey), ...stringNeedles('AWS session credentials', creds.SessionToken));
      expect(cp.stderr).toMatch(/rapki: debug: /);
    }
    expect(transcripts.find((t) => t.label === 'credential-process (fresh) stderr')!.text).toMatch(/canonical request/);

    // update --once writes the credentials file; its streams carry no secret.
    const credFile = join(tmp, 'aws', 'credentials');
    const upd = await step('update --once', ['update', '--once', '--debug', ...cpArgs.slice(2)], { AWS_SHARED_CREDENTIALS_FILE: credFile });
    expect(upd.code, fail(upd)).toBe(0);
    const written = readFileSync(credFile, 'utf8');
    for (const m of written.matchAll(/^aws_(?:secret_access_key|session_token)\s*=\s*(\S+)$/gm))
      needles.push(...stringNeedles('AWS session credentials', m[1]!));

    // Revoke the host; CreateSession soon refuses it.
    const rev = await step('cert revoke --host', ['cert', 'revoke', '--host', 'web-sec', '--reason', 'keyCompromise'], adminEnv);
    expect(rev.code, fail(rev)).toBe(0);
    let refused: CliResult | undefined;
    const deadline = Date.now() + 15_000;
    for (let i = 0; Date.now() < deadline; i++) {
      const r = await step(`credential-process after revoke #${i}`, ['credential-process', '--no-cache', ...cpArgs.slice(1)], cpEnv);
      if (r.code !== 0) {
        refused = r;
        break;
      }
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(refused, 'credential-process was never refused after the revocation').toBeDefined();
    expect(refused!.stderr).toMatch(/revoked/i);

    const audit = await step('audit verify', ['audit', 'verify'], adminEnv);
    expect(audit.code, fail(audit)).toBe(0);

    // Stop the servers so everything they buffered is flushed, then collect their streams.
    expect(await ca.stop()).toBe(0);
    await emu.stop();
    transcripts.push(
      { label: 'ca serve stdout', text: ca.stdout() },
      { label: 'ca serve stderr', text: ca.stderr() },
      { label: 'emulator stdout', text: emu.stdout() },
      { label: 'emulator stderr', text: emu.stderr() },
    );
    for (const f of listFiles(tmp).filter((p) => p.endsWith('.log'))) transcripts.push({ label: f, text: readFileSync(f, 'utf8') });

    // The logs are real: the server logged the requests (at debug level), the emulator its sessions.
    expect(ca.stderr()).toMatch(/"route":"\/v1\/enroll"/);
    expect(ca.stderr()).toMatch(/"route":"\/v1\/renew"/);
    expect(ca.stderr()).toMatch(/request refused/);
    expect(emu.stderr()).toMatch(/POST \/sessions 201/);
    expect(emu.stderr()).toMatch(/POST \/sessions 403/);

    // The search works: each secret is found where it belongs (so a miss elsewhere means something).
    const usable = withoutPublic(needles, publicTexts);
    const positives = findSecrets(
      transcripts.filter((t) => t.allowed && t.allowed.length > 0).map((t) => ({ ...t, allowed: [] })),
      usable,
    ).map((f) => f.secret);
    expect(new Set(positives)).toEqual(new Set(['admin token', 'enrollment token', 'AWS session credentials']));
    // Every key contributed needles, including its private scalar.
    for (const s of ['CA root key', 'CA intermediate key', 'CA server TLS key', 'host key (enrolled)', 'host key (renewed)']) {
      expect(usable.filter((n) => n.secret === s && n.form === 'jwk d hex')).toHaveLength(1);
    }

    expect(findSecrets(transcripts, usable)).toEqual([]);
  }, 180_000);
});

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

describe('the secret search itself', () => {
  it('finds a token body, a PEM line and a private scalar, and ignores allowed places and public material', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = 'rapki_et_' + 'a1B2'.repeat(10) + 'xyz';
    const needles = [...stringNeedles('token', token), ...keyNeedles('key', privateKey)];
    const pemLine2 = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString().split('\n')[2]!;
    const d = (privateKey.export({ format: 'jwk' }) as { d: string }).d;
    const found = findSecrets(
      [
        { label: 'a', text: `{"msg":"x","t":"${token.slice('rapki_et_'.length)}"}` },
        { label: 'b', text: `...${pemLine2}...` },
        { label: 'c', text: `d=${Buffer.from(d, 'base64url').toString('hex')}` },
        { label: 'd', text: token, allowed: ['token'] },
      ],
      needles,
    );
    expect(found.map((f) => `${f.label}:${f.secret}:${f.form}`)).toEqual(['a:token:token body', 'b:key:pem line 2', 'c:key:jwk d hex']);
    expect(withoutPublic(needles, [`-----BEGIN X-----\n${pemLine2}\n-----END X-----`]).some((n) => n.value === pemLine2)).toBe(false);
  });
});
