// Benchmark (a) of issue 2: wall time of `rapki credential-process` (built bundle, one real
// CreateSession against the loopback verifier over HTTPS) next to a bare `node -e 0`, alternating
// runs, medians. Goal: <= 1.5x the bare start. Also shows the cache-hit path (default on).
// RUNS=n overrides the number of runs per variant (default 21).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importTs } from './lib/ts-import.mjs';
import { fmtMs, median, verdict } from './lib/stats.mjs';

const RUNS = Number(process.env.RUNS ?? 21);
const root = fileURLToPath(new URL('..', import.meta.url));
const { startLoopbackVerifier } = await importTs(new URL('../test/support/loopback-verifier.ts', import.meta.url));
const { TestPki, ARNS } = await importTs(new URL('../test/signer/session/test-pki.ts', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'rapki-bench-cp-'));
const pki = new TestPki(dir);
const leaf = pki.leaf('p256');
const verifier = await startLoopbackVerifier({ trustedRootsPem: pki.rootPem() });
const runtimeDir = mkdtempSync(join(tmpdir(), 'rapki-bench-rt-'));

const cpArgs = [
  join(root, 'bin/rapki.mjs'), 'credential-process',
  '--certificate', leaf.certFile, '--private-key', leaf.keyFile,
  '--trust-anchor-arn', ARNS.trustAnchorArn, '--profile-arn', ARNS.profileArn, '--role-arn', ARNS.roleArn,
  '--endpoint', verifier.url,
];
const env = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CA_BUNDLE: verifier.caFile, XDG_RUNTIME_DIR: runtimeDir };

function timed(args) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`${args.slice(1, 3).join(' ')} exited ${code}: ${err}`));
      else resolve({ ms, out });
    });
  });
}

try {
  // Warm the OS file cache once for each variant.
  await timed(['-e', '0']);
  await timed([...cpArgs, '--no-cache']);
  const bare = [];
  const cp = [];
  const hit = [];
  const floor = [];
  const floorArgs = [fileURLToPath(new URL('./lib/https-floor.mjs', import.meta.url)), verifier.url, verifier.caFile];
  await timed(cpArgs); // fills the cache for the hit variant
  for (let i = 0; i < RUNS; i++) {
    bare.push((await timed(['-e', '0'])).ms);
    floor.push((await timed(floorArgs)).ms);
    const r = await timed([...cpArgs, '--no-cache']);
    if (!r.out.startsWith('{"Version":1,')) throw new Error(`unexpected output: ${r.out}`);
    cp.push(r.ms);
    hit.push((await timed(cpArgs)).ms);
  }
  const requests = verifier.requests.filter((r) => r.verdict === 'ok').length;
  const mb = median(bare);
  const mc = median(cp);
  const mh = median(hit);
  const mf = median(floor);
  console.log(`runs per variant: ${RUNS} (alternating); verifier accepted ${requests} CreateSession requests`);
  console.log(`bare node -e 0:                         median ${fmtMs(mb)}`);
  console.log(`floor: node + one bare HTTPS POST:      median ${fmtMs(mf)} (${(mf / mb).toFixed(2)}x bare; no rapki code)`);
  console.log(`credential-process (CreateSession):     median ${fmtMs(mc)} (${(mc / mf).toFixed(2)}x the floor)`);
  console.log(`credential-process (cache hit):         median ${fmtMs(mh)}`);
  console.log(verdict('credential-process / bare node', mc / mb, 1.5, true));
  console.log(`cache hit / bare node: ${(mh / mb).toFixed(2)}x`);
  const r2 = (x) => Math.round(x * 100) / 100;
  console.log(JSON.stringify({ bench: 'signer-credential-process', runs: RUNS, medianMs: { bare: r2(mb), httpsFloor: r2(mf), createSession: r2(mc), cacheHit: r2(mh) },
    ratioToBare: r2(mc / mb), ratioToFloor: r2(mc / mf), cacheHitRatioToBare: r2(mh / mb), goal: 1.5, meetsGoal: mc / mb <= 1.5 }));
} finally {
  await verifier.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(runtimeDir, { recursive: true, force: true });
}
