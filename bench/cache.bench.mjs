// Start-up cost of `rapki credential-process` on a cache HIT, against a bare `node -e 0`.
//
// Why: the AWS CLI runs credential_process for every command; with the cache the call should cost
// about what starting Node costs (goal: ratio <= 1.15, issue 6 "Performance").
//
// How: a throw-away PKI (openssl) and a stub HTTPS CreateSession endpoint on loopback answer the one
// priming call that fills the cache; then the two commands run alternately (so drift in machine load
// hits both alike) and the medians of wall time are compared. Needs `npm run build` first.
// Usage: node bench/cache.bench.mjs   (RAPKI_BENCH_RUNS=N, default 30)
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const RUNS = Number(process.env.RAPKI_BENCH_RUNS ?? 30);
const BIN = fileURLToPath(new URL('../bin/rapki.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rapki-bench-cache-'));

const ssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' });
ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'srv.key'),
  '-out', join(dir, 'srv.crt'), '-days', '1', '-subj', '/CN=bench', '-addext', 'subjectAltName=IP:127.0.0.1');
ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'leaf.key'),
  '-out', join(dir, 'leaf.crt'), '-days', '1', '-subj', '/CN=bench-leaf',
  '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature');

let creates = 0;
const server = createServer({ key: readFileSync(join(dir, 'srv.key')), cert: readFileSync(join(dir, 'srv.crt')) }, (req, res) => {
  req.resume();
  req.on('end', () => {
    creates++;
    const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({
      credentialSet: [{ credentials: { accessKeyId: 'ASIABENCH', secretAccessKey: 'benchSecret', sessionToken: 'benchToken', expiration },
        roleArn: 'arn:aws:iam::123456789012:role/Bench', assumedRoleUser: { arn: 'arn:aws:sts::123456789012:assumed-role/Bench/x', assumedRoleId: 'AROA:x' } }],
      subjectArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:subject/00000000-0000-0000-0000-000000000000',
    }));
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const endpoint = `https://127.0.0.1:${server.address().port}`;

const args = [BIN, 'credential-process', '--certificate', join(dir, 'leaf.crt'), '--private-key', join(dir, 'leaf.key'),
  '--trust-anchor-arn', 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b7e5c1e-4c7e-4a53-9d0b-1f2e3d4c5b6a',
  '--profile-arn', 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/6f1d2c3b-4a59-4e8d-8c7b-6a5f4e3d2c1b',
  '--role-arn', 'arn:aws:iam::123456789012:role/Bench', '--endpoint', endpoint];
const env = { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir, AWS_CA_BUNDLE: join(dir, 'srv.crt') };

try {
  const prime = await promisify(execFile)(process.execPath, args, { env });
  if (!prime.stdout.startsWith('{"Version":1')) throw new Error(`priming call failed: ${prime.stderr}`);
  server.close();

  // Wall time is what a user waits for; on a shared machine it is noisy, so the CPU time of each
  // child (user + system, reported at exit by a preloaded one-liner given to BOTH commands) is
  // measured in a second pass as a steadier figure.
  const reporter = join(dir, 'cpu-report.cjs');
  writeFileSync(reporter, "process.on('exit',()=>{const u=process.cpuUsage();require('fs').writeSync(2,'\\nCPUUS '+(u.user+u.system)+'\\n')})");
  const run = (argv, withCpu) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, withCpu ? ['--require', reporter, ...argv] : argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
    return withCpu ? Number(/CPUUS (\d+)/.exec(String(r.stderr))[1]) / 1000 : ms;
  };
  // Context: an EMPTY ES module. rapki's bin is ESM, so this is the floor of any rapki command.
  const empty = join(dir, 'empty.mjs');
  writeFileSync(empty, '');
  const emptyCpu = [];
  const bare = [];
  const hit = [];
  const bareCpu = [];
  const hitCpu = [];
  for (let i = 0; i < 3; i++) { run(['-e', '0']); run(args); } // warm the page cache
  for (let i = 0; i < RUNS; i++) {
    bare.push(run(['-e', '0']));
    hit.push(run(args));
  }
  for (let i = 0; i < RUNS; i++) {
    bareCpu.push(run(['-e', '0'], true));
    hitCpu.push(run(args, true));
    emptyCpu.push(run([empty], true));
  }
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2; };
  const result = {
    bench: 'credential-process cache hit vs node -e 0',
    runs: RUNS,
    nodeMedianMs: +median(bare).toFixed(1),
    hitMedianMs: +median(hit).toFixed(1),
    ratio: +(median(hit) / median(bare)).toFixed(3),
    cpuNodeMedianMs: +median(bareCpu).toFixed(1),
    cpuHitMedianMs: +median(hitCpu).toFixed(1),
    cpuRatio: +(median(hitCpu) / median(bareCpu)).toFixed(3),
    cpuEmptyEsmRatio: +(median(emptyCpu) / median(bareCpu)).toFixed(3),
    goal: 1.15,
    createSessionCalls: creates,
  };
  result.pass = result.ratio <= result.goal && creates === 1;
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
