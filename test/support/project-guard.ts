/**
 * Setup file of every vitest project (vitest.config.ts): keeps each test file in the project its
 * name says, by what the file really does while it runs.
 *
 * - `unit` (`*.test.ts`): no child process, no socket (server or client), no SQLite, no PKCS#11
 *   module. Fast and deterministic: `npm run test:unit`.
 * - `integration` (`*.int.test.ts`): child processes such as openssl and softhsm2-util, in-process
 *   servers on loopback, SQLite files, SoftHSM; never the built `rapki` or an outside service.
 * - `e2e` (`*.e2e.test.ts`): the built CLI, server or emulator as child processes (`npm run build`
 *   first), Chromium, PostgreSQL, swtpm, npm.
 * - `fuzz` (`test/fuzz/*.fuzz.test.ts`): hostile-input properties; allowed what integration is.
 *
 * A test file that does more than its project allows fails, with the name to give it. A new test
 * is thus a unit test until it needs more, and then says so in its name.
 *
 * `RAPKI_TEST_PROJECTS_REPORT=<file>` appends one JSON line per test file with what it used (the
 * input of `node scripts/classify-tests.mjs`); `RAPKI_TEST_PROJECTS_GUARD=record` records without
 * failing (to classify files that do not yet have a project's name).
 */
import { appendFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { Server, Socket } from 'node:net';
import { relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect } from 'vitest';

type Project = 'unit' | 'integration' | 'e2e' | 'fuzz';
/** What a test file did that decides its project. */
type Use = 'process' | 'socket' | 'sqlite' | 'pkcs11' | 'outside';

const PROJECT = (process.env.RAPKI_TEST_PROJECT ?? 'unit') as Project;
const RECORD_ONLY = process.env.RAPKI_TEST_PROJECTS_GUARD === 'record';
const ALLOWED: Record<Project, ReadonlySet<Use>> = {
  unit: new Set(),
  integration: new Set(['process', 'socket', 'sqlite', 'pkcs11']),
  fuzz: new Set(['process', 'socket', 'sqlite', 'pkcs11']),
  e2e: new Set(['process', 'socket', 'sqlite', 'pkcs11', 'outside']),
};
const ADVICE: Record<Use, string> = {
  process: 'starts a child process: name it *.int.test.ts',
  socket: 'opens a socket: name it *.int.test.ts',
  sqlite: 'opens SQLite: name it *.int.test.ts',
  pkcs11: 'loads a PKCS#11 module: name it *.int.test.ts',
  outside: 'runs the built rapki, a browser, PostgreSQL, swtpm or npm: name it *.e2e.test.ts',
};

/** Commands that make a test end-to-end: the built CLI (bin/, dist/, the examples' scripts) and the outside services. */
const OUTSIDE =
  /(?:^|[\s/])rapki(?:\.[cm]?js)?(?:\s|$)|\/dist\/|(?:^|[\s/])examples\/\S*\.sh\b|chrom(?:e|ium)|playwright|\binitdb\b|\bpg_ctl\b|\bpostgres\b|\bswtpm|\btpm2_|(?:^|[\s/])npm(?:\s|$)/;

/** Per test file; on globalThis so that a reused worker patches the functions once. */
interface GuardState {
  project: Project;
  used: Map<Use, string>;
  violations: string[];
}
const g = globalThis as typeof globalThis & { __rapkiProjectGuard?: GuardState };
const firstLoad = g.__rapkiProjectGuard === undefined;
const state: GuardState = (g.__rapkiProjectGuard ??= { project: PROJECT, used: new Map(), violations: [] });
state.project = PROJECT;

function note(use: Use, what: string): void {
  if (!state.used.has(use)) state.used.set(use, what);
  if (RECORD_ONLY || ALLOWED[state.project].has(use)) return;
  const msg = `[${state.project} project] this test file ${ADVICE[use]} (${what}); see test/support/project-guard.ts`;
  state.violations.push(msg);
  throw new Error(msg);
}

function describeCommand(cmd: unknown, args: unknown): string {
  const argv = Array.isArray(args) ? args.map(String) : [];
  return [String(cmd), ...argv].join(' ');
}

if (firstLoad) {
  // Child processes: every entry of node:child_process (ESM bindings follow syncBuiltinESMExports).
  const require = createRequire(import.meta.url);
  const cp = require('node:child_process') as Record<string, unknown>;
  for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
    const original = cp[name] as ((...a: unknown[]) => unknown) & { [promisify.custom]?: (...a: unknown[]) => unknown };
    const look = (a: unknown[]): void => {
      const command =
        name === 'exec' || name === 'execSync' ? String(a[0]) : name === 'fork' ? `${process.execPath} ${String(a[0])}` : describeCommand(a[0], a[1]);
      note(OUTSIDE.test(command) ? 'outside' : 'process', command.slice(0, 200));
    };
    const guarded = function (this: unknown, ...a: unknown[]): unknown {
      look(a);
      return original.apply(this, a);
    };
    // promisify(execFile) and promisify(exec) resolve to { stdout, stderr } through this symbol.
    const custom = original[promisify.custom];
    if (custom) {
      Object.defineProperty(guarded, promisify.custom, {
        value: function (this: unknown, ...a: unknown[]): unknown {
          look(a);
          return custom.apply(this, a);
        },
      });
    }
    cp[name] = guarded;
  }
  syncBuiltinESMExports();

  // Sockets: servers (net, tls, http, https all listen through net.Server) and clients (fetch too).
  const listen = Server.prototype.listen;
  Server.prototype.listen = function guardedListen(this: Server, ...a: unknown[]) {
    note('socket', 'listen');
    return (listen as (...x: unknown[]) => Server).apply(this, a);
  } as typeof Server.prototype.listen;
  const connect = Socket.prototype.connect;
  Socket.prototype.connect = function guardedConnect(this: Socket, ...a: unknown[]) {
    note('socket', 'connect');
    return (connect as (...x: unknown[]) => Socket).apply(this, a);
  } as typeof Socket.prototype.connect;

  // Native modules: SQLite (better-sqlite3) and PKCS#11 (pkcs11js).
  const dlopen = process.dlopen;
  process.dlopen = function guardedDlopen(this: NodeJS.Process, module: { exports: unknown }, filename: string, ...rest: unknown[]) {
    if (/better_sqlite3\.node$/.test(filename)) note('sqlite', 'better-sqlite3');
    else if (/pkcs11\.node$/.test(filename)) note('pkcs11', 'pkcs11js');
    return (dlopen as (...x: unknown[]) => void).call(this, module, filename, ...rest);
  } as typeof process.dlopen;
}

let file: string | undefined;
beforeAll(() => {
  file = expect.getState().testPath;
});

afterAll(() => {
  const report = process.env.RAPKI_TEST_PROJECTS_REPORT;
  if (report && file)
    appendFileSync(report, `${JSON.stringify({ file: relative(process.cwd(), file), project: PROJECT, used: Object.fromEntries(state.used) })}\n`);
  const first = state.violations[0];
  state.used.clear();
  state.violations.length = 0;
  // Also when the test caught the error thrown at the call.
  if (first !== undefined) throw new Error(first);
});
