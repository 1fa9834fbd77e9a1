// Enrollment throughput of the CA server (goal: >= 1000 certificates/s, p99 <= 100 ms).
// Real processes: `rapki ca init` + `rapki ca serve` (HTTPS, SQLite WAL synchronous=FULL, so every
// answered enrollment is on disk). Then, side by side, the same with the store in PostgreSQL (one
// `ca serve` on a throw-away local cluster with fsync on, so equally durable; docs/ha.md), unless
// RAPKI_BENCH_PG=0 or no PostgreSQL server binaries are installed; and two `ca serve` replicas on
// one database (the goal for two replicas: >= 600 certificates/s with p99 <= 150 ms), the
// clients split evenly between them. Enrollment tokens are minted through the admin API and EC P-256
// keys + CSRs made before the clock starts; then RAPKI_BENCH_CLIENTS (32) clients, each with its
// own keep-alive agent, enroll as fast as the server answers. Per-client rate limits are lifted
// (this measures issuance, not the limiter).
//
// RAPKI_BENCH_ENROLLS (default 3000) timed enrollments after 300 warm-up ones.
// Then the same enrollments without HTTP: the authority in-process on its own CA directory, 32 at a
// time, to split the server's CPU per enrollment into issuance (CSR checks, signing, lint, SQLite)
// and the HTTPS/express layer.
// RAPKI_BENCH_CPU_PROF=1: the server runs under `node --cpu-prof`; prints the top self-time
// functions and leaves the .cpuprofile for Chrome DevTools / speedscope.
// Needs `npm run build`.
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { pathToFileURL } from 'node:url';
import { importTs } from './lib/ts-import.mjs';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin', 'rapki.mjs');
const CLIENTS = Number(process.env.RAPKI_BENCH_CLIENTS ?? 32);
const ENROLLS = Number(process.env.RAPKI_BENCH_ENROLLS ?? 3000);
const WARMUP = 300;
const PROFILE = process.env.RAPKI_BENCH_CPU_PROF === '1';
const GOAL_RATE = 1000;
const GOAL_P99_MS = 100;
/** Two replicas on one PostgreSQL (docs/ha.md "Figures"). */
const GOAL_REPLICAS_RATE = 600;
const GOAL_REPLICAS_P99_MS = 150;

const { buildCsrPem } = await importTs(new URL('../cli/src/ca-client/csr.ts', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'rapki-bench-enroll-'));
const profDir = join(tmp, 'prof');
/** Every `ca serve` process running now (one, or one per replica). */
let servers = [];

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function call(agent, base, method, path, body, token) {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers = payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {};
  if (token) headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs `items` through `n` workers; returns per-item latencies (ms). */
async function drive(n, items, makeAgent, one) {
  const lat = new Array(items.length);
  let next = 0;
  const agents = Array.from({ length: n }, makeAgent);
  await Promise.all(
    agents.map(async (agent) => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        const t0 = performance.now();
        await one(agent, items[i], agents.indexOf(agent));
        lat[i] = performance.now() - t0;
      }
    }),
  );
  for (const a of agents) a.destroy();
  return lat;
}

/** utime + stime of a process in ms (/proc/PID/stat fields 14 and 15, clock ticks of 10 ms). */
function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** CPU ms (utime + stime) of a process's main thread (tid = pid) and of all its other threads. */
function threadCpuMs(pid) {
  let main = 0;
  let other = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ');
      const ms = (Number(f[11]) + Number(f[12])) * 10;
      if (Number(tid) === pid) main += ms;
      else other += ms;
    } catch {
      // the thread ended meanwhile
    }
  }
  return { main, other };
}

/** Top self-time functions of a V8 .cpuprofile. */
function summarizeProfile(file, top = 20) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const self = new Map();
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const dt = prof.timeDeltas;
  const total = dt.reduce((a, b) => a + b, 0);
  prof.samples.forEach((id, k) => {
    const cf = byId.get(id).callFrame;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url ? cf.url.replace(/^.*\/(node_modules\/)?/, '') : ''}:${cf.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dt[k] ?? 0));
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`)
    .join('\n');
}

/** authority.enroll in-process (no HTTP): wall rate and CPU per enrollment. */
async function authorityOnly() {
  // Bundled next to node_modules so that better-sqlite3 and @peculiar/x509 resolve.
  const cacheDir = join(root, 'node_modules', '.cache', 'rapki-bench');
  const outfile = join(cacheDir, `authority-${process.pid}.mjs`);
  await build({
    stdin: {
      contents: `export { initCa } from './ca-server/src/init.ts'; export { openCa } from './ca-server/src/open-ca.ts';`,
      resolveDir: root,
      loader: 'ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  try {
    const { initCa, openCa } = await import(pathToFileURL(outfile).href);
    const dir = join(tmp, 'ca-inproc');
    await initCa({ dir, passphrase: 'bench-only-passphrase' });
    const ca = await openCa({ dir, passphrase: 'bench-only-passphrase' });
    await ca.crl.rebuild('bench start');
    const n = Math.min(ENROLLS, 1000);
    const items = [];
    for (let i = 0; i < n + 100; i++) {
      const host = `bench-${i % 500}.example.com`;
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const t = await ca.authority.createEnrollmentToken({ subject: host, sans: [] }, 'admin:bench');
      items.push({ token: t.token, csr: buildCsrPem({ commonName: host, sans: [], privateKey, publicKey }) });
    }
    const run = async (list) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          for (;;) {
            const i = next++;
            if (i >= list.length) return;
            await ca.authority.enroll(list[i].token, list[i].csr);
          }
        }),
      );
    };
    await run(items.slice(0, 100));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run(items.slice(100));
    const u = process.cpuUsage(c0);
    const secs = (performance.now() - t0) / 1000;
    process.stdout.write(
      `authority.enroll in-process (no HTTP), ${CLIENTS} at a time: ${(n / secs).toFixed(0)}/s wall, ${((u.user + u.system) / n / 1000).toFixed(2)} ms CPU per enrollment\n`,
    );
    await ca.close();
  } finally {
    rmSync(outfile, { force: true });
  }
}

async function serverBench(label, storeEnv, storeText, replicas = 1) {
  process.stdout.write(`\n--- ${label} ---\n`);
  const dir = join(tmp, `ca-${label}`);
  const goalRate = replicas > 1 ? GOAL_REPLICAS_RATE : GOAL_RATE;
  const goalP99 = replicas > 1 ? GOAL_REPLICAS_P99_MS : GOAL_P99_MS;
  const env = { PATH: process.env.PATH, RAPKI_CA_PASSPHRASE: 'bench-only-passphrase', RAPKI_LOG_LEVEL: 'warn', ...storeEnv };
  const init = spawnSync(process.execPath, [bin, 'ca', 'init', '--dir', dir, '--json'], { env, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`ca init: ${init.stderr}`);
  const adminToken = JSON.parse(init.stdout).adminToken;
  // A replica's directory holds only its own files (the CA comes from the store, docs/ha.md).
  const startServer = async (profile, serveDir = dir) => {
    const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
    const server = spawn(
      process.execPath,
      [...nodeArgs, bin, 'ca', 'serve', '--dir', serveDir, '--listen', '127.0.0.1:0', '--enroll-rate', '1000000', '--admin-rate', '1000000'],
      {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    servers.push(server);
    return new Promise((resolve, reject) => {
      let out = '';
      server.once('exit', (c) => reject(new Error(`ca serve exited ${c}`)));
      server.stdout.on('data', (b) => {
        out += b;
        const m = /listening on (https:\/\/\S+?:\d+) /.exec(out);
        if (m) resolve(m[1]);
      });
    });
  };
  const stopServer = async () => {
    await Promise.all(
      servers.map(async (server) => {
        if (server.exitCode !== null || server.signalCode !== null) return;
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }),
    );
    servers = [];
  };
  // Tokens are minted by one server process; the measured one (profiled if asked) only enrolls.
  let base = await startServer(false);
  const ca = readFileSync(join(dir, 'root.pem'));
  const makeAgent = () => new Agent({ keepAlive: true, maxSockets: 1, ca, servername: 'localhost' });

  const total = WARMUP + ENROLLS;
  const t0 = performance.now();
  const material = Array.from({ length: total }, (_, i) => {
    const host = `bench-${i % 500}.example.com`;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return { host, csr: buildCsrPem({ commonName: host, sans: [], privateKey, publicKey }), token: '' };
  });
  const tMint = performance.now();
  const mintLat = await drive(8, material, makeAgent, async (agent, m) => {
    const r = await call(agent, base, 'POST', '/v1/admin/tokens', { subject: m.host, ttl: '1h', certTtl: '24h' }, adminToken);
    if (r.status !== 201) throw new Error(`token: ${r.status} ${r.text}`);
    m.token = JSON.parse(r.text).token;
  });
  const mintSecs = (performance.now() - tMint) / 1000;
  process.stdout.write(
    `prepared ${total} keys+CSRs in ${((tMint - t0) / 1000).toFixed(1)} s; minted ${total} tokens in ${mintSecs.toFixed(1)} s (${(total / mintSecs).toFixed(0)}/s, 8 clients)\n`,
  );
  void mintLat;
  await stopServer();
  const bases = [];
  for (let k = 0; k < replicas; k++) bases.push(await startServer(PROFILE, k === 0 ? dir : join(tmp, `ca-${label}-replica-${k + 1}`)));
  base = bases[0];

  // The client shares the 2 cores with the server, so it is kept lean: bodies encoded before the
  // clock starts, no URL parsing or JSON decoding per request (status and length only).
  // Client k talks to replica k mod replicas (as a TCP load balancer spreading connections would).
  const targets = bases.map((b) => new URL(b)).map((u) => ({ hostname: u.hostname, port: u.port }));
  for (const m of material) m.body = Buffer.from(JSON.stringify({ token: m.token, csr: m.csr }));
  const enrollOne = (agent, m, k) =>
    new Promise((resolve, reject) => {
      const headers = { 'content-type': 'application/json', 'content-length': m.body.length };
      const { hostname, port } = targets[k % targets.length];
      const req = request({ host: hostname, port, path: '/v1/enroll', method: 'POST', agent, headers }, (res) => {
        let n = 0;
        res.on('data', (c) => (n += c.length));
        res.on('end', () => (res.statusCode === 201 && n > 500 ? resolve() : reject(new Error(`enroll: HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(m.body);
    });
  await drive(CLIENTS, material.slice(0, WARMUP), makeAgent, enrollOne);
  const pids = servers.map((x) => x.pid);
  const sum = (f) => pids.map(f).reduce((a, b) => (typeof a === 'number' ? a + b : { main: a.main + b.main, other: a.other + b.other }));
  const pgPid = () => {
    // This run's PostgreSQL: its postmaster (postmaster.pid) and the backends it forked; other
    // clusters on the machine are not counted.
    if (!pgCluster) return [];
    const master = Number(readFileSync(join(pgCluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const kids = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          return (
            Number(
              readFileSync(`/proc/${d}/stat`, 'utf8')
                .replace(/^.*\) /, '')
                .split(' ')[1],
            ) === master
          );
        } catch {
          return false;
        }
      });
    return [master, ...kids.map(Number)];
  };
  const pgCpu = () =>
    pgPid().reduce((a, p) => {
      try {
        return a + cpuMs(p);
      } catch {
        return a;
      }
    }, 0);
  const cpu0 = sum(cpuMs);
  const threads0 = sum(threadCpuMs);
  const pgCpu0 = replicas > 0 && label !== 'sqlite' ? pgCpu() : 0;
  const client0 = process.cpuUsage();
  const tRun = performance.now();
  const lat = await drive(CLIENTS, material.slice(WARMUP), makeAgent, enrollOne);
  const secs = (performance.now() - tRun) / 1000;
  const cpuPerCert = (sum(cpuMs) - cpu0) / ENROLLS;
  const threads1 = sum(threadCpuMs);
  const pgPerCert = label !== 'sqlite' ? (pgCpu() - pgCpu0) / ENROLLS : 0;
  const clientCpu = process.cpuUsage(client0);
  const clientPerCert = (clientCpu.user + clientCpu.system) / 1000 / ENROLLS;
  const sorted = [...lat].sort((a, b) => a - b);
  const rate = ENROLLS / secs;
  const p99 = pct(sorted, 99);
  process.stdout.write(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}\n` +
      `enrollments: ${ENROLLS} in ${secs.toFixed(2)} s with ${CLIENTS} keep-alive clients (EC P-256, HTTPS, ${storeText})\n` +
      `throughput: ${rate.toFixed(0)} certificates/s (goal >= ${goalRate}) ${rate >= goalRate ? 'OK' : 'MISSED'}\n` +
      `latency: p50 ${pct(sorted, 50).toFixed(1)} ms, p90 ${pct(sorted, 90).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (goal <= ${goalP99} ms) ${p99 <= goalP99 ? 'OK' : 'MISSED'}, max ${sorted[sorted.length - 1].toFixed(1)} ms\n`,
  );
  process.stdout.write(
    `server CPU${replicas > 1 ? ` (${replicas} replicas together)` : ''}: ${cpuPerCert.toFixed(2)} ms per enrollment (user+sys): main thread ${((threads1.main - threads0.main) / ENROLLS).toFixed(2)} ms, ` +
      `other threads (X.509 worker, GC, libuv) ${((threads1.other - threads0.other) / ENROLLS).toFixed(2)} ms; ` +
      `machine load average ${loadavg()[0].toFixed(1)} during the run\n` +
      (label !== 'sqlite' ? `PostgreSQL CPU: ${pgPerCert.toFixed(2)} ms per enrollment (all its processes)\n` : '') +
      `client CPU: ${clientPerCert.toFixed(2)} ms per enrollment (server ${((100 * cpuPerCert) / (cpuPerCert + clientPerCert + pgPerCert)).toFixed(0)}% of the total); ` +
      `all on ${cpus().length} cores: at most ~${((1000 * cpus().length) / (cpuPerCert + clientPerCert + pgPerCert)).toFixed(0)}/s on an otherwise idle machine\n`,
  );
  const rss = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${servers[0].pid}/status`, 'utf8'));
  if (rss) process.stdout.write(`server RSS after the run: ${(Number(rss[1]) / 1024).toFixed(0)} MiB\n`);
  if (label !== 'sqlite') {
    const texts = await Promise.all(bases.map(async (b) => (await call(makeAgent(), b, 'GET', '/metrics')).text));
    const v = (name) => texts.reduce((a, t) => a + Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(t)?.[1] ?? NaN), 0);
    const tx = v('rapki_ca_store_transactions_total');
    const ops = v('rapki_ca_store_operations_total');
    const locks = v('rapki_ca_store_audit_head_locks_total');
    process.stdout.write(
      `store: ${ops} write operations in ${tx} transactions (${(ops / tx).toFixed(1)} per group commit); audit head locked ${locks} times, ` +
        `held ${((1000 * v('rapki_ca_store_audit_head_hold_seconds_total')) / locks).toFixed(2)} ms on average (insert + commit), waited ${((1000 * v('rapki_ca_store_audit_head_wait_seconds_total')) / locks).toFixed(2)} ms\n`,
    );
  }
  summaries.push({ label, replicas, rate, p50: pct(sorted, 50), p99, cpuPerCert, pgPerCert, goalRate, goalP99 });
  await stopServer();
}

const summaries = [];
let pgCluster;
try {
  await serverBench('sqlite', {}, 'SQLite WAL synchronous=FULL');
  if (process.env.RAPKI_BENCH_PG !== '0' && existsSync('/usr/lib/postgresql')) {
    // Bundled next to node_modules so that `pg` resolves.
    const cacheDir = join(root, 'node_modules', '.cache', 'rapki-bench');
    const outfile = join(cacheDir, `postgres-${process.pid}.mjs`);
    await build({
      entryPoints: [join(root, 'test/support/postgres.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    try {
      const { startPostgres } = await import(pathToFileURL(outfile).href);
      pgCluster = await startPostgres({ fsync: true });
      const url = `${await pgCluster.createDatabase('bench')}?sslmode=disable`;
      await serverBench('postgres', { RAPKI_CA_STORE_URL: url }, 'PostgreSQL 15 on this machine, fsync=on synchronous_commit=on, one replica');
      const url2 = `${await pgCluster.createDatabase('bench2')}?sslmode=disable`;
      await serverBench(
        'pg-2-replicas',
        { RAPKI_CA_STORE_URL: url2 },
        'two ca serve replicas on one PostgreSQL 15, fsync=on synchronous_commit=on, 16 clients each',
        2,
      );
    } finally {
      rmSync(outfile, { force: true });
    }
  }
  process.stdout.write('\nside by side (same machine, same run):\n');
  for (const r of summaries) {
    process.stdout.write(
      `  ${r.label.padEnd(13)} ${r.rate.toFixed(0).padStart(5)} certificates/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, server CPU ${r.cpuPerCert.toFixed(2)} ms/cert` +
        `${r.pgPerCert ? `, PostgreSQL CPU ${r.pgPerCert.toFixed(2)} ms/cert` : ''}  (goal >= ${r.goalRate}/s, p99 <= ${r.goalP99} ms: ${r.rate >= r.goalRate && r.p99 <= r.goalP99 ? 'OK' : 'MISSED'})\n`,
    );
  }
  const lite = summaries.find((r) => r.label === 'sqlite');
  const two = summaries.find((r) => r.replicas === 2);
  if (lite && two)
    process.stdout.write(
      `  two replicas on PostgreSQL / SQLite single node: ${(two.rate / lite.rate).toFixed(2)}x the throughput, ${(two.p99 / lite.p99).toFixed(2)}x the p99\n`,
    );
  process.stdout.write(`${JSON.stringify({ bench: 'enroll-throughput', rows: summaries })}\n`);
  await authorityOnly();
} finally {
  await pgCluster?.close();
  for (const server of servers) {
    if (server.exitCode !== null || server.signalCode !== null) continue;
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (PROFILE) {
    const files = (() => {
      try {
        return readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
      } catch {
        return [];
      }
    })();
    for (const f of files) {
      process.stdout.write(`\nserver CPU profile (self time, top 20), kept at ${join(profDir, f)}:\n${summarizeProfile(join(profDir, f))}\n`);
    }
  } else {
    rmSync(tmp, { recursive: true, force: true });
  }
}
