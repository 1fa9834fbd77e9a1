// Runs commands alternately and measures each run's wall time AND its CPU time (user + system of
// the child, from wait4(2)'s rusage — what /usr/bin/time reports, in µs). Node cannot wait4() a
// child, so a few lines of python3 do the fork/exec/wait4 when python3 is there; without it, wall
// time only (spawnSync). Measuring inside the child instead (a --require hook) would add the same
// hook to both sides of every ratio and flatter it.
import { spawn, spawnSync } from 'node:child_process';

const PY = String.raw`
import json, os, sys, time
spec = json.load(sys.stdin)
out = {v['name']: {'wall': [], 'cpu': [], 'stdout': '', 'stderr': '', 'status': 0} for v in spec['variants']}
def run(v):
    r1, w1 = os.pipe(); r2, w2 = os.pipe()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.dup2(w1, 1); os.dup2(w2, 2)
        os.close(r1); os.close(r2)
        os.execve(v['argv'][0], v['argv'], v['env'])
    os.close(w1); os.close(w2)
    _, status, ru = os.wait4(pid, 0)
    wall = (time.perf_counter() - t0) * 1000
    o = os.read(r1, 1 << 20); e = os.read(r2, 1 << 20)
    os.close(r1); os.close(r2)
    return wall, (ru.ru_utime + ru.ru_stime) * 1000, o, e, os.waitstatus_to_exitcode(status)
for i in range(spec['warmup'] + spec['runs']):
    for v in spec['variants']:
        wall, cpu, o, e, st = run(v)
        r = out[v['name']]
        r['stdout'] = o.decode('utf8', 'replace'); r['stderr'] = e.decode('utf8', 'replace'); r['status'] = st
        if st != 0: print(json.dumps({'failed': v['name'], 'status': st, 'stderr': r['stderr']})); sys.exit(0)
        if i >= spec['warmup']: r['wall'].append(wall); r['cpu'].append(cpu)
print(json.dumps(out))
`;

function hasPython() {
  return spawnSync('python3', ['-c', 'import os; os.wait4; os.waitstatus_to_exitcode'], { stdio: 'ignore' }).status === 0;
}

function runAsync(cmd, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout: out, stderr: err }));
    child.stdin.end(input);
  });
}

/**
 * `variants`: [{ name, argv: [absolute executable, ...args], env }]. Resolves to
 * { cpuMeasured, results: { [name]: { wall: ms[], cpu: ms[] | [], stdout } } }; rejects when a run
 * fails. Asynchronous, so that servers in this process (loopback endpoints) keep answering.
 * The pipes the children write to must stay small (< 64 KiB per run).
 */
export async function alternate(variants, { runs, warmup = 2 }) {
  if (hasPython()) {
    const r = await runAsync('python3', ['-c', PY], JSON.stringify({ variants, runs, warmup }));
    if (r.status !== 0) throw new Error(`python3 runner failed: ${r.stderr}`);
    const res = JSON.parse(r.stdout);
    if (res.failed) throw new Error(`${res.failed} exited ${res.status}: ${res.stderr}`);
    return { cpuMeasured: true, results: res };
  }
  const results = Object.fromEntries(variants.map((v) => [v.name, { wall: [], cpu: [], stdout: '' }]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const v of variants) {
      const t0 = process.hrtime.bigint();
      const r = await new Promise((resolve, reject) => {
        const child = spawn(v.argv[0], v.argv.slice(1), { env: v.env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (c) => (out += c));
        child.stderr.on('data', (c) => (err += c));
        child.on('error', reject);
        child.on('close', (status) => resolve({ status, stdout: out, stderr: err }));
      });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`${v.name} exited ${r.status}: ${r.stderr}`);
      results[v.name].stdout = r.stdout;
      if (i >= warmup) results[v.name].wall.push(ms);
    }
  }
  return { cpuMeasured: false, results };
}
