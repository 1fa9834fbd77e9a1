// `npm run bench` (after `npm run build`): runs every bench/*.bench.mjs in turn, each in its own
// node process so that one benchmark's warm caches and heap do not flatter the next, then prints
// the goals of the start-up benchmark again as a summary (bench/credential-process.bench.mjs).
// Add a benchmark by dropping a new `<name>.bench.mjs` here. `node bench/run.mjs signer` runs only
// files whose name contains "signer". RAPKI_BENCH_BASELINE=<dir with bin/ and dist/ of another
// build> adds "vs previous build" figures to the start-up benchmark.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const BENCH_TIMEOUT_MS = Number(process.env.RAPKI_BENCH_TIMEOUT_MS ?? 300_000);
const filter = process.argv[2];
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.mjs') && (!filter || f.includes(filter)))
  .sort();
let failed = 0;
const summaries = [];
for (const f of files) {
  process.stdout.write(`\n=== ${f} ===\n`);
  // stdout passes through and is also scanned for the JSON summary lines ({"bench":...}).
  const status = await new Promise((resolve) => {
    const child = spawn(process.execPath, [`${dir}${f}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    // A benchmark that stops making progress (seen twice with enroll-throughput: the bench's own main
    // thread blocked at start) must not hang the whole run: give each file a bounded time.
    const limit = setTimeout(() => {
      process.stdout.write(`${f}: no result after ${BENCH_TIMEOUT_MS / 1000} s, stopped\n`);
      child.kill('SIGKILL');
    }, BENCH_TIMEOUT_MS);
    let buf = '';
    child.stdout.on('data', (c) => {
      process.stdout.write(c);
      buf += c;
    });
    child.on('close', (code, signal) => {
      for (const line of buf.split('\n')) {
        if (!line.startsWith('{"bench":')) continue;
        try {
          summaries.push(JSON.parse(line));
        } catch {
          /* not a summary */
        }
      }
      clearTimeout(limit);
      resolve(code ?? signal);
    });
  });
  if (status !== 0) {
    failed++;
    process.stdout.write(`${f} exited with ${status}\n`);
  }
}
const cp = summaries.find((s) => s.bench === 'credential-process');
if (cp) {
  process.stdout.write(`\n=== summary: credential-process start-up vs bare node -e 0 (${cp.cpuMeasured ? 'CPU' : 'wall'} time, medians of ${cp.runs}) ===\n`);
  for (const r of cp.rows.filter((x) => x.goal !== null)) {
    const ratio = cp.cpuMeasured ? r.cpuRatio : r.wallRatio;
    process.stdout.write(`${r.name.padEnd(16)} ${ratio.toFixed(2)}x (wall ${r.wallRatio.toFixed(2)}x)  goal <= ${r.goal}x  ${r.meetsGoal ? 'OK' : 'MISSED'}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
