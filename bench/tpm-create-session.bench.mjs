// One CreateSession with a TPM key against the same with a file key, in ONE alternating run against
// a software TPM (swtpm, started here on a Unix socket) and a plain-HTTP loopback endpoint that
// verifies every signature: what a TPM key adds. Three keys, all EC P-256, certificates from
// the same test CA:
//
//   file     PKCS#8 key file                                  the reference
//   tss2     TSS2 key file (tpm2-openssl), owner hierarchy    5 TPM commands per CreateSession:
//                                                            CreatePrimary, Load, Sign, 2x FlushContext
//   handle   persistent key (tpm2-tools, handle:0x81000001)   2: ReadPublic at load, Sign
//
// Measured two ways:
//  - in process (the bundle dist/signer.mjs): loadKeySigner + createSession, median ms per call, and
//    beside it the TPM round trips alone (the same commands sent by rapki's TPM client, no HTTP):
//    "extra" = CreateSession(TPM) − CreateSession(file) should be about "TPM alone" − file signing;
//  - as processes: `rapki credential-process --no-cache`, medians of wall and CPU time (wait4).
// RAPKI_BENCH_RUNS=n runs per variant (default 20 process runs, 10x that in process).
// Skipped (exit 0, a line saying why) when swtpm or tpm2-tools are missing.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternate } from './lib/rusage.mjs';
import { median } from './lib/stats.mjs';
import { importTs } from './lib/ts-import.mjs';

const RUNS = Number(process.env.RAPKI_BENCH_RUNS ?? process.env.RUNS ?? 20);
const IN_PROCESS_RUNS = RUNS * 10;
const root = fileURLToPath(new URL('..', import.meta.url));
const swtpmSupport = await importTs(new URL('../test/support/swtpm.ts', import.meta.url));
if (!swtpmSupport.SWTPM_AVAILABLE) {
  console.log(`skipped: ${swtpmSupport.SWTPM_SKIP_REASON}`);
  process.exit(0);
}
const { startLoopbackVerifier } = await importTs(new URL('../test/support/loopback-verifier.ts', import.meta.url));
const { TestPki, ARNS } = await importTs(new URL('../test/signer/session/test-pki.ts', import.meta.url));
const { issueCertificateForPublicKey } = await importTs(new URL('../test/support/softhsm.ts', import.meta.url));
const tpmSrc = await importTs(new URL('../signer/src/keys/tpm/index.ts', import.meta.url));
const tpmClient = await importTs(new URL('../signer/src/keys/tpm/tpm-client.ts', import.meta.url));
const tpmHandle = await importTs(new URL('../signer/src/keys/tpm/key-handle.ts', import.meta.url));
const { loadKeySigner, createSession } = await import('../dist/signer.mjs');

const dir = mkdtempSync(join(tmpdir(), 'rapki-bench-tpm-'));
const tpm = await swtpmSupport.startSwtpm();
const pki = new TestPki(join(dir, 'pki'));
const verifier = await startLoopbackVerifier({ trustedRootsPem: pki.rootPem(), plainHttp: true });
const runtimeDir = mkdtempSync(join(tmpdir(), 'rapki-bench-tpm-rt-'));

try {
  const cert = (publicKeyFile, cn) => issueCertificateForPublicKey(dir, { caCert: pki.rootCert, caKey: pki.rootKey, publicKeyFile, cn }).certFile;
  const fileKey = join(dir, 'file.key');
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', fileKey]);
  execFileSync('openssl', ['pkey', '-in', fileKey, '-pubout', '-out', join(dir, 'file.pub')]);
  const tss2 = swtpmSupport.makeTss2Key(tpm, dir, 'tss2', { alg: 'ec:P-256' });
  const persistent = swtpmSupport.makePersistentKey(tpm, dir, { handle: 0x81000001, alg: 'ec:P-256' });
  const keys = {
    file: { certificate: cert(join(dir, 'file.pub'), 'file.bench'), privateKey: fileKey },
    tss2: { certificate: cert(tss2.publicKeyFile, 'tss2.bench'), privateKey: tss2.keyFile },
    handle: { certificate: cert(persistent.publicKeyFile, 'handle.bench'), privateKey: 'handle:0x81000001', noTpmKeyPassword: true },
  };
  process.env.TPM_DEVICE = tpm.socket;
  const session = { ...ARNS, endpoint: verifier.url, maxAttempts: 1 };

  // In process: one CreateSession = load the key + sign + HTTP round trip.
  const oneSession = async (k) => {
    const signer = await loadKeySigner(k);
    try {
      return await createSession(signer, session);
    } finally {
      await signer.close?.();
    }
  };
  const data = Buffer.from('AWS4-X509-ECDSA-SHA256\n20260101T000000Z\n20260101/us-east-1/rolesanywhere/aws4_request\n' + 'ab'.repeat(32));
  const tss2File = tpmSrc.tss2KeyOf(readFileSync(tss2.keyFile, 'utf8'), 'tss2');
  const fileSigningKey = createPrivateKey(readFileSync(fileKey));
  const empty = Buffer.alloc(0);
  const digest = Buffer.alloc(32, 1);
  const timed = {
    'file CreateSession': () => oneSession(keys.file),
    'tss2 CreateSession': () => oneSession(keys.tss2),
    'handle CreateSession': () => oneSession(keys.handle),
    'file signature alone': async () => sign('sha256', data, fileSigningKey),
    'tss2 TPM commands alone': () =>
      tpmClient.withTpm({}, async (c) => {
        const h = await tpmHandle.loadKeyFile(c, tss2File, 'tss2');
        await c.sign(h, empty, digest, 0x18, 0x0b);
      }),
    'handle TPM commands alone': () =>
      tpmClient.withTpm({}, async (c) => {
        await c.readPublic(0x81000001);
        await c.sign(0x81000001, empty, digest, 0x18, 0x0b);
      }),
  };
  const samples = Object.fromEntries(Object.keys(timed).map((k) => [k, []]));
  for (const fn of Object.values(timed)) for (let i = 0; i < 5; i++) await fn(); // warm-up
  for (let i = 0; i < IN_PROCESS_RUNS; i++) {
    for (const [name, fn] of Object.entries(timed)) {
      const t0 = performance.now();
      await fn();
      samples[name].push(performance.now() - t0);
    }
  }
  const m = Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)]));
  const f = (x) => x.toFixed(2).padStart(8);
  console.log(`in process (dist/signer.mjs), medians of ${IN_PROCESS_RUNS} alternating runs, node ${process.version}:`);
  for (const [k, v] of Object.entries(m)) console.log(`  ${k.padEnd(28)}${f(v)} ms`);
  const extra = { tss2: m['tss2 CreateSession'] - m['file CreateSession'], handle: m['handle CreateSession'] - m['file CreateSession'] };
  const tpmOnly = { tss2: m['tss2 TPM commands alone'] - m['file signature alone'], handle: m['handle TPM commands alone'] - m['file signature alone'] };
  for (const k of ['tss2', 'handle']) {
    console.log(
      `  ${k}: CreateSession costs ${extra[k].toFixed(2)} ms more than with the file key; its TPM commands alone take ${tpmOnly[k].toFixed(2)} ms more than a file signature`,
    );
  }

  // As processes: what a credential_process user waits for.
  const node = process.execPath;
  const bin = join(root, 'bin/rapki.cjs');
  const env = { PATH: process.env.PATH ?? '', HOME: dir, XDG_RUNTIME_DIR: runtimeDir, TPM_DEVICE: tpm.socket };
  const cp = (k) => [
    node,
    bin,
    'credential-process',
    '--certificate',
    k.certificate,
    '--private-key',
    k.privateKey,
    ...(k.noTpmKeyPassword ? ['--no-tpm-key-password'] : []),
    '--trust-anchor-arn',
    ARNS.trustAnchorArn,
    '--profile-arn',
    ARNS.profileArn,
    '--role-arn',
    ARNS.roleArn,
    '--endpoint',
    verifier.url,
    '--no-cache',
  ];
  const variants = Object.entries(keys).map(([name, k]) => ({ name, argv: cp(k), env }));
  const { cpuMeasured, results } = await alternate(variants, { runs: RUNS, warmup: 2 });
  const rows = variants.map((v) => ({ name: v.name, wall: median(results[v.name].wall), cpu: cpuMeasured ? median(results[v.name].cpu) : NaN }));
  console.log(`rapki credential-process --no-cache, ${RUNS} alternating runs per key, medians:`);
  for (const r of rows) console.log(`  ${r.name.padEnd(8)} wall ${f(r.wall)} ms   cpu ${Number.isFinite(r.cpu) ? f(r.cpu) : '     n/a'} ms`);
  const okRequests = verifier.requests.filter((q) => q.verdict === 'ok').length;
  if (okRequests !== verifier.requests.length) throw new Error(`the endpoint refused ${verifier.requests.length - okRequests} requests`);
  const r2 = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);
  console.log(
    JSON.stringify({
      bench: 'tpm-create-session',
      inProcessMs: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, r2(v)])),
      extraOverFileMs: { tss2: r2(extra.tss2), handle: r2(extra.handle) },
      tpmCommandsOverFileSignatureMs: { tss2: r2(tpmOnly.tss2), handle: r2(tpmOnly.handle) },
      process: rows.map((r) => ({ name: r.name, wallMs: r2(r.wall), cpuMs: r2(r.cpu) })),
      verifiedRequests: okRequests,
    }),
  );
} finally {
  await verifier.close();
  await tpm.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(runtimeDir, { recursive: true, force: true });
}
