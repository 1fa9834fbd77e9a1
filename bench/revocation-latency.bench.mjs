// Time from `cert revoke` to the first CreateSession Roles Anywhere refuses (goal <= 5 s;
// AWS Private CA publishes CRLs about 30 minutes after a revocation).
// Real processes: `rapki emulator` (Roles Anywhere + STS stand-in), `rapki ca init` + `rapki ca
// serve` (HTTPS, SQLite), `rapki aws register`, `rapki token create` + `rapki enroll` per round.
// The revocation goes through the admin HTTPS API; the CA's CRL sync pushes the new CRL by itself;
// CreateSession is then polled in-process every 25 ms with the product signer (dist/signer.mjs).
// Rounds: RAPKI_BENCH_ROUNDS (default 5). Needs `npm run build`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './lib/stats.mjs';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin', 'rapki.mjs');
const { loadKeySigner, createSession } = await import(pathToFileURL(join(root, 'dist', 'signer.mjs')).href);

const ROUNDS = Number(process.env.RAPKI_BENCH_ROUNDS ?? 5);
const ROLE = 'arn:aws:iam::123456789012:role/rapki-bench';
const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDRAPKIBENCHONLY00',
  AWS_SECRET_ACCESS_KEY: 'bench-only-secret',
  AWS_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
};
const tmp = mkdtempSync(join(tmpdir(), 'rapki-bench-revoke-'));
const children = [];

function startChild(args, env, pattern) {
  const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (b) => (err += b));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start: ${err}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)));
    child.stdout.on('data', (b) => {
      out += b;
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

function cli(args, env) {
  const r = spawnSync(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rapki ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function adminPost(url, path, token, caPem) {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, url),
      { method: 'POST', ca: caPem, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
      (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(b)) : reject(new Error(`${res.statusCode} ${b}`))));
      },
    );
    req.on('error', reject);
    req.end('{"reason":"keyCompromise"}');
  });
}

try {
  const [, emuUrl] = await startChild(['emulator', '--listen', '127.0.0.1:0', '--quiet'], {}, /listening on (http:\/\/\S+)/);
  const caDir = join(tmp, 'ca');
  const caEnv = { RAPKI_CA_PASSPHRASE: 'bench-only-passphrase', ...AWS_ENV };
  const init = JSON.parse(cli(['ca', 'init', '--dir', caDir, '--json'], caEnv));
  const [, caUrl, , fingerprint] = await startChild(
    ['ca', 'serve', '--dir', caDir, '--listen', '127.0.0.1:0'],
    caEnv,
    /listening on (https:\/\/\S+?:(\d+)) fingerprint=([0-9a-f]{64})/,
  );
  const adminEnv = { ...AWS_ENV, RAPKI_CA_URL: caUrl, RAPKI_CA_FINGERPRINT: fingerprint, RAPKI_ADMIN_TOKEN: init.adminToken };
  const reg = JSON.parse(cli(['aws', 'register', '--json', '--role-arn', ROLE, '--endpoint', emuUrl], adminEnv));
  const rootPem = readFileSync(join(caDir, 'root.pem'));

  const fromRevokeStart = [];
  const fromRevokeResponse = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { token } = JSON.parse(cli(['token', 'create', '--subject', `bench-${round}`, '--json'], adminEnv));
    const out = join(tmp, `host-${round}`);
    const enrolled = cli(['enroll', '--ca-url', caUrl, '--ca-fingerprint', fingerprint, '--out', out], { RAPKI_ENROLL_TOKEN: token });
    const serial = /serial ([0-9a-f]+)/.exec(enrolled)[1];
    const signer = await loadKeySigner({ certificate: join(out, 'certificate.pem'), privateKey: join(out, 'private-key.pem') });
    const params = { trustAnchorArn: reg.trustAnchorArn, profileArn: reg.profileArn, roleArn: ROLE, endpoint: emuUrl, region: 'us-east-1', maxAttempts: 1 };
    await createSession(signer, params); // works before the revocation
    const t0 = performance.now();
    await adminPost(caUrl, `/v1/admin/certificates/${serial}/revoke`, init.adminToken, rootPem);
    const t1 = performance.now();
    let refusedAt;
    while (performance.now() - t0 < 30_000) {
      try {
        await createSession(signer, params);
      } catch (e) {
        refusedAt = performance.now();
        if (round === 0) process.stdout.write(`refusal: ${e.code}: ${String(e.message).slice(0, 100)}\n`);
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    if (refusedAt === undefined) throw new Error('CreateSession still accepted 30 s after the revocation');
    fromRevokeStart.push(refusedAt - t0);
    fromRevokeResponse.push(refusedAt - t1);
    // Let the sync's read-back (GetCrl, 1 s after UpdateCrl under the 1 call/s quota) finish.
    await new Promise((r) => setTimeout(r, 1200));
  }
  const fmt = (xs) => `median ${median(xs).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (${xs.length} rounds)`;
  const worst = Math.max(...fromRevokeStart);
  process.stdout.write(`revoke request -> first refused CreateSession: ${fmt(fromRevokeStart)}\n`);
  process.stdout.write(`revoke response -> first refused CreateSession: ${fmt(fromRevokeResponse)}\n`);
  process.stdout.write(`revocation latency: ${(worst / 1000).toFixed(2)} s worst (goal <= 5 s) ${worst <= 5000 ? 'OK' : 'MISSED'}\n`);
} finally {
  for (const c of children) c.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}
