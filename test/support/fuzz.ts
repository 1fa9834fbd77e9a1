/**
 * Shared generators and checks for the hostile-input tests in `test/fuzz/` (docs/security.md, threat 7).
 *
 * Every parser that sees untrusted bytes must, for ANY input: return a sane result or throw a
 * coded error of its component (a RapkiError whose `code` is in that component's table), never a
 * TypeError/RangeError/plain Error; take bounded time; and not keep memory. The generators start
 * from VALID inputs and break them the way an attacker or a broken disk would: bit flips,
 * truncation, DER length and tag corruption, huge lengths, deep nesting, PEM armour damage,
 * unicode and control characters.
 *
 * Run counts: the default (always part of `npm test`) is sized for CI; `RAPKI_FUZZ_RUNS=N`
 * multiplies every count by N for long runs, `RAPKI_FUZZ_SEED=S` replays a run.
 */
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isRapkiError } from '../../common/src/errors.js';
import { prng, withNote } from './seeded-random.js';

/** Multiplier of every run count (`RAPKI_FUZZ_RUNS`, default 1). */
export const FUZZ_MULTIPLIER = (() => {
  const v = Number(process.env.RAPKI_FUZZ_RUNS ?? '1');
  return Number.isFinite(v) && v > 0 ? v : 1;
})();

/** Runs for a property: `base` in the default mode, times `RAPKI_FUZZ_RUNS` in long mode. */
export function runs(base: number): number {
  return Math.max(1, Math.round(base * FUZZ_MULTIPLIER));
}

/**
 * Seed of every property when none is given: a fixed one, so that a default run (the one in
 * `npm test`) is the same run every time and cannot pass or fail by chance. Long runs
 * (`RAPKI_FUZZ_RUNS` > 1) draw a fresh seed, print it, and `RAPKI_FUZZ_SEED=S` replays it.
 */
export const DEFAULT_FUZZ_SEED = 20261207;

/** The seed of this process's properties (see {@link DEFAULT_FUZZ_SEED}). */
export const FUZZ_SEED: number = (() => {
  const given = process.env.RAPKI_FUZZ_SEED;
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isSafeInteger(n)) throw new Error(`RAPKI_FUZZ_SEED must be an integer, got ${JSON.stringify(given)}`);
    return n;
  }
  if (FUZZ_MULTIPLIER > 1) {
    const seed = (Date.now() ^ (process.pid << 16)) | 0;
    process.stderr.write(`[fuzz] long run: RAPKI_FUZZ_SEED=${seed} replays it\n`);
    return seed;
  }
  return DEFAULT_FUZZ_SEED;
})();

/** fast-check parameters: run count, the seed of this process, no verbose shrinking noise. */
export function fcParams<T = unknown>(base: number, examples?: readonly T[]): fc.Parameters<unknown> {
  return { numRuns: runs(base), seed: FUZZ_SEED, ...(examples ? { examples: examples.map((e) => [e]) } : {}) } as fc.Parameters<unknown>;
}

/**
 * Runs `fn` (a property and the checks made on its results) and, when anything in it fails,
 * rethrows with the seed that reproduces the failure: fast-check prints its seed only for a
 * failure inside the property, not for an assertion made after it.
 */
export function withSeed<R>(fn: () => R): R {
  return withNote(`[fuzz] RAPKI_FUZZ_SEED=${FUZZ_SEED} reproduces this failure`, fn);
}

/** Test timeout that grows with the multiplier (vitest's default would cut long runs). */
export function fuzzTimeout(baseMs: number): number {
  return Math.round(baseMs * Math.max(1, FUZZ_MULTIPLIER));
}

/** Upper bound of the time of one in-process parser call, re-measured alone (see {@link CaseClock}). */
export const MAX_CASE_MS = 200;

/**
 * Records the slowest case of a property. Wall time on a shared 2-core machine includes other
 * processes, so the slowest input is re-timed alone afterwards (best of 3) before asserting.
 */
export class CaseClock<T> {
  maxMs = 0;
  slowest: T | undefined;
  cases = 0;
  time<R>(input: T, fn: () => R): R {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      const ms = performance.now() - t0;
      this.cases++;
      if (ms > this.maxMs) {
        this.maxMs = ms;
        this.slowest = input;
      }
    }
  }
  /** Best-of-3 time of the slowest input, in ms. */
  retimeSlowest(fn: (input: T) => unknown): number {
    if (this.slowest === undefined) return 0;
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      try {
        fn(this.slowest);
      } catch {
        /* outcome checked by the property */
      }
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  }
}

/** Outcome of one call: a value, or the code of the coded error it threw. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; code: string };

/**
 * Runs `fn` and classifies the result. A RapkiError with a code from `codes` is an accepted
 * refusal; anything else thrown (TypeError, RangeError, DerError, a code from another table) is
 * re-thrown as a failure that names the original error, so fast-check reports the input.
 */
export function coded<R>(fn: () => R, codes: Readonly<Record<string, unknown>> | ReadonlySet<string>): Outcome<R> {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    const has = (c: string): boolean => (codes instanceof Set ? codes.has(c) : Object.hasOwn(codes, c));
    if (isRapkiError(err) && has(err.code)) {
      if (typeof err.message !== 'string' || err.message.length === 0) throw new Error(`coded error ${err.code} without a message`, { cause: err });
      return { ok: false, code: err.code };
    }
    const e = err as { name?: string; code?: unknown; message?: string; stack?: string };
    const where = (e?.stack ?? '').split('\n').slice(1, 5).join('\n');
    throw new Error(`uncoded failure: ${e?.name ?? typeof err} code=${String(e?.code)} ${e?.message ?? String(err)}\n${where}`, { cause: err });
  }
}

/** Async form of {@link coded}. */
export async function codedAsync<R>(fn: () => Promise<R>, codes: Readonly<Record<string, unknown>> | ReadonlySet<string>): Promise<Outcome<R>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return coded(() => {
      throw err;
    }, codes);
  }
}

let gcFn: (() => void) | undefined;
/** A real `gc()` (exposed through V8 flags at run time), so heap figures are not garbage. */
export function forceGc(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

/** Heap in use after a full collection, in bytes. */
export function heapAfterGc(): number {
  forceGc();
  return process.memoryUsage().heapUsed;
}

/** Bound of retained heap growth over one property's batch. */
export const MAX_HEAP_GROWTH_BYTES = 32 * 1024 * 1024;

/** Per-property figures, printed with `RAPKI_FUZZ_VERBOSE=1` (for the report of run counts and times). */
export interface FuzzStats {
  readonly name: string;
  readonly cases: number;
  readonly totalMs: number;
  readonly maxMs: number;
  readonly heapGrowthBytes: number;
}

/**
 * Runs one synchronous property with the common checks: `call` must not throw for any input (it
 * asserts the outcome itself), the slowest input re-timed alone stays under {@link MAX_CASE_MS},
 * and the heap retained after the batch grows by less than {@link MAX_HEAP_GROWTH_BYTES}.
 */
export function fuzzProperty<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  base: number,
  call: (input: T) => void,
  maxCaseMs = MAX_CASE_MS,
  options: FuzzPropertyOptions<T> = {},
): FuzzStats {
  return withSeed(() => {
    const clock = new CaseClock<T>();
    const before = heapAfterGc();
    const t0 = performance.now();
    fc.assert(
      fc.property(arb, (input) => {
        clock.time(input, () => call(input));
      }),
      fcParams(base, options.examples),
    );
    const totalMs = performance.now() - t0;
    const heapGrowthBytes = heapAfterGc() - before;
    const stats = { name, cases: clock.cases, totalMs, maxMs: clock.maxMs, heapGrowthBytes };
    reportStats(stats);
    if (heapGrowthBytes >= MAX_HEAP_GROWTH_BYTES) throw new Error(`${name}: heap grew by ${heapGrowthBytes} bytes over ${clock.cases} cases`);
    if (clock.maxMs > maxCaseMs) {
      const again = clock.retimeSlowest(call);
      if (again >= maxCaseMs) throw new Error(`${name}: one input takes ${again.toFixed(0)} ms (limit ${maxCaseMs} ms): ${describe(clock.slowest)}`);
    }
    options.check?.(stats);
    return stats;
  });
}

/** Extras of {@link fuzzProperty}. */
export interface FuzzPropertyOptions<T> {
  /**
   * Inputs run before the generated ones. A coverage check ("some case got past the parser")
   * must rest on examples known to reach each path, never on the generator happening to.
   */
  readonly examples?: readonly T[];
  /** Checks made on the figures and on what `call` recorded; a failure names the seed. */
  readonly check?: (stats: FuzzStats) => void;
}

/** Prints one line of figures when `RAPKI_FUZZ_VERBOSE` is set. */
export function reportStats(s: FuzzStats): void {
  if (!process.env.RAPKI_FUZZ_VERBOSE) return;
  process.stderr.write(
    `[fuzz] ${s.name}: ${s.cases} cases in ${s.totalMs.toFixed(0)} ms (max ${s.maxMs.toFixed(1)} ms/case, heap ${(s.heapGrowthBytes / 1048576).toFixed(1)} MiB)\n`,
  );
}

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes ${Buffer.from(v.subarray(0, 48)).toString('hex')}…`;
  return JSON.stringify(v)?.slice(0, 200) ?? String(v);
}

// ---------------------------------------------------------------------------------------------
// Byte mutations
// ---------------------------------------------------------------------------------------------

/** Offsets of every TLV header of a (possibly nested) DER encoding, found leniently. */
export function derHeaderOffsets(buf: Uint8Array, maxDepth = 16): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number, depth: number): void => {
    let off = start;
    while (off + 2 <= end && out.length < 4096) {
      const tag = buf[off]!;
      let len = buf[off + 1]!;
      let hdr = 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        if (n === 0 || n > 4 || off + 2 + n > end) return;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + buf[off + 2 + i]!;
        hdr += n;
      }
      if (off + hdr + len > end) return;
      out.push(off);
      const constructed = (tag & 0x20) !== 0;
      if (depth < maxDepth) {
        if (constructed) walk(off + hdr, off + hdr + len, depth + 1);
        else if ((tag === 0x04 || tag === 0x03) && len > 2) {
          // OCTET/BIT STRINGs often wrap DER (extension values, SPKI keys).
          const inner = off + hdr + (tag === 0x03 ? 1 : 0);
          if (buf[inner] === 0x30) walk(inner, off + hdr + len, depth + 1);
        }
      }
      off += hdr + len;
    }
  };
  walk(0, buf.length, 0);
  return out;
}

const headerCache = new WeakMap<Uint8Array, number[]>();
function headersOf(buf: Uint8Array): number[] {
  let h = headerCache.get(buf);
  if (!h) headerCache.set(buf, (h = derHeaderOffsets(buf)));
  return h;
}

/** One mutation step: [kind, position seed, value seed, bytes]. */
type Op = [number, number, number, Uint8Array];

const LENGTH_FORMS: readonly number[][] = [
  [0x80], // indefinite
  [0x84, 0xff, 0xff, 0xff, 0xff], // 4 GiB
  [0x84, 0x7f, 0xff, 0xff, 0xff],
  [0x85, 1, 0, 0, 0, 0], // 5 length octets
  [0x81, 0x05], // non-minimal
  [0x82, 0x00, 0x90], // non-minimal
  [0xff],
  [0x00],
];

function applyOp(b: Uint8Array, [kind, p, v, bytes]: Op): Uint8Array {
  const n = b.length;
  const pos = n === 0 ? 0 : p % n;
  switch (kind % 12) {
    case 0: {
      // bit flip
      if (n === 0) return b;
      const c = Uint8Array.from(b);
      c[pos] = c[pos]! ^ (1 << (v % 8));
      return c;
    }
    case 1: {
      // byte set
      if (n === 0) return b;
      const c = Uint8Array.from(b);
      c[pos] = v & 0xff;
      return c;
    }
    case 2:
      // truncation
      return b.subarray(0, pos);
    case 3: {
      // delete a range
      const len = 1 + (v % 16);
      return Buffer.concat([b.subarray(0, pos), b.subarray(Math.min(n, pos + len))]);
    }
    case 4:
      // insert bytes
      return Buffer.concat([b.subarray(0, pos), bytes, b.subarray(pos)]);
    case 5: {
      // duplicate a slice
      const len = 1 + (v % 64);
      return Buffer.concat([b.subarray(0, pos), b.subarray(pos, pos + len), b.subarray(pos)]);
    }
    case 6:
    case 7: {
      // corrupt the length field of a TLV header: replace with an odd or huge form, or +/- a little
      const hs = headersOf(b);
      if (hs.length === 0) return b;
      const h = hs[p % hs.length]!;
      const first = b[h + 1]!;
      const lenBytes = first & 0x80 ? 1 + (first & 0x7f) : 1;
      if (kind % 12 === 6) {
        const form = LENGTH_FORMS[v % LENGTH_FORMS.length]!;
        return Buffer.concat([b.subarray(0, h + 1), Uint8Array.from(form), b.subarray(h + 1 + lenBytes)]);
      }
      const c = Uint8Array.from(b);
      const last = h + lenBytes;
      if (last < n) c[last] = (c[last]! + ((v % 5) - 2)) & 0xff;
      return c;
    }
    case 8: {
      // change a tag
      const hs = headersOf(b);
      if (hs.length === 0) return b;
      const c = Uint8Array.from(b);
      const tags = [0x30, 0x31, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1c, 0x1e, 0x1f, 0xa0, 0xa3, 0x80, 0x82, 0x87, 0x01];
      c[hs[p % hs.length]!] = tags[v % tags.length]!;
      return c;
    }
    case 9: {
      // replace a TLV's content with random bytes (same header, so lengths still add up)
      const hs = headersOf(b);
      if (hs.length === 0) return b;
      const h = hs[p % hs.length]!;
      const first = b[h + 1]!;
      const hdr = 2 + (first & 0x80 ? first & 0x7f : 0);
      const c = Uint8Array.from(b);
      for (let i = 0; i < bytes.length && h + hdr + i < n; i++) c[h + hdr + i] = bytes[i]!;
      return c;
    }
    case 10: {
      // wrap in many nested SEQUENCEs (deep nesting)
      const depth = 1 + (v % 3000);
      let inner: Uint8Array = b;
      const parts: Uint8Array[] = [];
      let len = inner.length;
      for (let i = 0; i < depth && len < 0x1000000; i++) {
        const hdr =
          len < 0x80
            ? [0x30, len]
            : len < 0x100
              ? [0x30, 0x81, len]
              : len < 0x10000
                ? [0x30, 0x82, len >> 8, len & 0xff]
                : [0x30, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff];
        parts.unshift(Uint8Array.from(hdr));
        len += hdr.length;
      }
      inner = Buffer.concat([...parts, inner]);
      return inner;
    }
    default: {
      // append trailing garbage
      return Buffer.concat([b, bytes]);
    }
  }
}

/** Applies a list of mutation steps to a copy of `base`. */
export function mutateBytes(base: Uint8Array, ops: readonly Op[]): Uint8Array {
  let b: Uint8Array = base;
  for (const op of ops) b = applyOp(b, op);
  return b === base ? Uint8Array.from(base) : b;
}

/**
 * Mutations are drawn from one fast-check integer seed through {@link prng} instead of one
 * arbitrary per step: ten times cheaper per case, and the counterexample fast-check prints is
 * the mutated value itself (the arbitrary is mapped), so a failure is still reproducible.
 */
export { prng };

function randomBytesFrom(r: () => number, max: number): Uint8Array {
  const out = new Uint8Array(r() % (max + 1));
  for (let i = 0; i < out.length; i++) out[i] = r() & 0xff;
  return out;
}

/** 1..maxOps mutation steps drawn from `r`. */
function opsFrom(r: () => number, maxOps: number): Op[] {
  const ops: Op[] = [];
  const n = 1 + (r() % maxOps);
  for (let i = 0; i < n; i++) {
    let kind = r() % 12;
    let v = r();
    // Deep nesting is costly to build: keep it rare and mostly shallow.
    if (kind === 10 && v % 4 !== 0) v %= 24;
    if (kind === 10 && r() % 3 !== 0) kind = 0;
    ops.push([kind, r(), v, randomBytesFrom(r, 24)]);
  }
  return ops;
}

/** Mutations (1 to `maxOps` steps) of one of the valid `bases`. */
export function mutatedDer(bases: readonly Uint8Array[], maxOps = 4): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.nat({ max: bases.length - 1 }), fc.integer()).map(([i, seed]) => mutateBytes(bases[i]!, opsFrom(prng(seed), maxOps)));
}

/** Random bytes, some shaped like DER (a SEQUENCE header in front). */
export function randomDer(maxLength = 600): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength }),
    fc.uint8Array({ maxLength }).map((c) => Buffer.concat([Uint8Array.of(0x30, c.length < 0x80 ? c.length : 0x81), c])),
    fc.uint8Array({ maxLength }).map((c) => Buffer.concat([Uint8Array.of(0x30, 0x82, c.length >> 8, c.length & 0xff), c])),
  );
}

/** Hostile bytes for a DER parser: mostly mutations of valid inputs, some random. */
export function hostileDer(bases: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof({ arbitrary: mutatedDer(bases), weight: 8 }, { arbitrary: randomDer(), weight: 2 });
}

// ---------------------------------------------------------------------------------------------
// Strings and PEM
// ---------------------------------------------------------------------------------------------

/** Unicode, control characters, lone surrogates, NULs: everything a string field can carry. */
export function hostileString(maxLength = 80): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ maxLength }),
    fc.constantFrom('\u0000', '\ud800', '\udfff', '\u202e', '\ufeff', '\r\n', '\\', '"', '%', '%zz', '../', '\u00ff\u00fe', 'A'.repeat(5000)),
  );
}

/** Base64 body of DER, wrapped at `width` columns. */
export function toPem(label: string, der: Uint8Array, width = 64, eol = '\n'): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += width) lines.push(b64.slice(i, i + width));
  return `-----BEGIN ${label}-----${eol}${lines.join(eol)}${eol}-----END ${label}-----${eol}`;
}

/** One PEM armour damage step. */
type PemOp = [number, number, string];

function applyPemOp(text: string, [kind, p, s]: PemOp): string {
  const lines = text.split('\n');
  const at = lines.length === 0 ? 0 : p % lines.length;
  const pos = text.length === 0 ? 0 : p % text.length;
  switch (kind % 14) {
    case 0: // duplicate a line (e.g. a second BEGIN)
      lines.splice(at, 0, lines[at] ?? '');
      return lines.join('\n');
    case 1: // remove a line (e.g. END)
      lines.splice(at, 1);
      return lines.join('\n');
    case 2: // insert text (unicode, control characters) anywhere
      return text.slice(0, pos) + s + text.slice(pos);
    case 3: // truncate
      return text.slice(0, pos);
    case 4: // CRLF line ends
      return text.replace(/\n/g, '\r\n');
    case 5: // change the END label
      return text.replace(/-----END ([A-Z0-9 ]+)-----/, `-----END ${s.toUpperCase().replace(/[^A-Z0-9 ]/g, 'X') || 'X'}-----`);
    case 6: // change the BEGIN label
      return text.replace(/-----BEGIN ([A-Z0-9 ]+)-----/, `-----BEGIN ${s.toUpperCase().replace(/[^A-Z0-9 ]/g, 'X') || 'X'}-----`);
    case 7: // break base64 padding / alphabet
      return text.replace(/=/g, '').replace(/[A-Za-z0-9+/]{4}\n/, (m) => `${m.slice(0, 3)}*\n`);
    case 8: // RFC 1421 headers
      return text.replace(/-----\n/, `-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,${'0'.repeat(32)}\n\n`);
    case 9: // text before and after (explanatory text, RFC 7468 §5.2)
      return `${s}\n${text}\n${s}`;
    case 10: // two blocks
      return text + text;
    case 11: // huge whitespace or huge body
      return text.replace(/\n/, `\n${' \t'.repeat(2000 + (p % 20000))}\n`);
    case 12: // many BEGIN lines without END
      return `${'-----BEGIN CERTIFICATE-----\n'.repeat(1 + (p % 2000))}${text}`;
    default: // swap characters in the body
      return text.slice(0, pos) + text.slice(pos + 1, pos + 2) + text.slice(pos, pos + 1) + text.slice(pos + 2);
  }
}

const SNIPPETS = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\u202e',
  '\ufeff',
  '\r',
  '\n',
  '\r\n',
  '-----',
  '-----BEGIN ',
  '-----END ',
  '=',
  '==',
  '*',
  ' ',
  '\t',
  'Proc-Type: 4,ENCRYPTED',
  '\u00e9',
  '\u{1f600}',
];

/** A short hostile string drawn from `r`: snippets and code units from every range. */
export function hostileSnippet(r: () => number, maxUnits = 20): string {
  let out = '';
  const n = r() % (maxUnits + 1);
  for (let i = 0; i < n; i++) {
    const k = r() % 6;
    if (k === 0) out += SNIPPETS[r() % SNIPPETS.length];
    else if (k === 1) out += String.fromCharCode(r() % 0x20);
    else if (k === 2) out += String.fromCharCode(0x20 + (r() % 0x5f));
    else if (k === 3) out += String.fromCharCode(r() % 0x100);
    else if (k === 4) out += String.fromCharCode(r() % 0x10000);
    else out += String.fromCodePoint(0x10000 + (r() % 0xfffff));
  }
  return out;
}

/** PEM texts of the `bases` with 1..3 armour damages, plus the body mutations of {@link mutatedDer}. */
export function hostilePem(label: string, bases: readonly Uint8Array[]): fc.Arbitrary<string> {
  const pems = bases.map((b) => toPem(label, b));
  const armour = fc.tuple(fc.nat({ max: bases.length - 1 }), fc.integer()).map(([i, seed]) => {
    const r = prng(seed);
    let t = pems[i]!;
    const n = 1 + (r() % 3);
    for (let k = 0; k < n; k++) {
      let kind = r() % 14;
      // Huge whitespace and thousands of BEGIN lines: kept, but rare (they are the slow cases).
      if ((kind === 11 || kind === 12) && r() % 4 !== 0) kind = 13;
      t = applyPemOp(t, [kind, r(), hostileSnippet(r)]);
    }
    return t;
  });
  const body = mutatedDer(bases).map((der) => toPem(label, der));
  return fc.oneof({ arbitrary: armour, weight: 5 }, { arbitrary: body, weight: 4 }, { arbitrary: hostileString(400), weight: 1 });
}

/** Damaged copies (1..3 steps of the PEM armour damages) of ready-made texts, e.g. an encrypted key file. */
export function mutatedText(texts: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.nat({ max: texts.length - 1 }), fc.integer()).map(([i, seed]) => {
    const r = prng(seed);
    let t = texts[i]!;
    const n = 1 + (r() % 3);
    for (let k = 0; k < n; k++) {
      let kind = r() % 14;
      if ((kind === 11 || kind === 12) && r() % 4 !== 0) kind = 13;
      t = applyPemOp(t, [kind, r(), hostileSnippet(r)]);
    }
    return t;
  });
}
