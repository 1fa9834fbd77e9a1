/**
 * The CLI and the CA agree on what a request may carry, because both read the grammars of the
 * contract (common/src/contract/). Regressions of three disagreements (each failed before the
 * contract): `token create --ttl 90` (and 60, 3600) passed the CLI and was refused by the CA
 * although its message said seconds are allowed; SAN lists the CA refuses (a name twice, more
 * than 20) were sent; 21-octet serials passed the CLI.
 *
 * First the grammars side by side, in-process, over fixed examples and a seeded random search;
 * then through real processes: `rapki ca serve` and the built CLI.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CA_PATHS } from '../../../common/src/contract/paths.js';
import { parseDurationSeconds } from '../../../ca-server/src/authority/durations.js';
import { validateSans } from '../../../ca-server/src/authority/names.js';
import { normalizeSerial } from '../../../ca-server/src/authority/serial.js';
import { parseDuration } from '../../../cli/src/ca-client/duration.js';
import { parseSanList } from '../../../cli/src/ca-client/san.js';
import { parseSerial } from '../../../common/src/x509/serial.js';
import { startCaServerProcess, type CaServerProcess } from '../../support/ca-server.js';
import { runCli } from '../../support/cli.js';
import { call } from '../../ca-server/http/client.js';

/** The value a side gives, or the code it refuses with. */
function outcome<T>(fn: () => T): { ok: true; value: T } | { ok: false; code: string } {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    return { ok: false, code: String((err as { code?: unknown }).code) };
  }
}

const SEED = Number(process.env.RAPKI_FUZZ_SEED ?? 12);
const PARAMS = { seed: SEED, numRuns: 400 };

describe('the CLI and the CA read requests with the same grammars (in-process)', () => {
  it('durations: bare seconds are seconds on both sides (--ttl 90, 60, 3600)', () => {
    for (const [text, seconds] of [
      ['90', 90],
      ['60', 60],
      ['3600', 3600],
      ['90s', 90],
      ['15m', 900],
      ['7d', 604_800],
    ] as const) {
      expect(
        outcome(() => parseDuration(text)),
        text,
      ).toEqual({ ok: true, value: seconds });
      expect(
        outcome(() => parseDurationSeconds(text, 'ttl')),
        text,
      ).toEqual({ ok: true, value: seconds });
    }
    for (const text of ['0', '1w', '-1h', '1.5h', 'h', '', '1 h', '1234567890']) {
      expect(outcome(() => parseDuration(text)).ok, text).toBe(false);
      expect(outcome(() => parseDurationSeconds(text, 'ttl')).ok, text).toBe(false);
    }
  });

  it('serials: at most 20 octets on both sides; 21 are refused by the CLI before anything is sent', () => {
    for (const text of ['7f'.repeat(20), `serial=00${'FF'.repeat(20)}`, '0a:1b:ff']) {
      const cli = outcome(() => parseSerial(text).hex);
      expect(cli.ok, text).toBe(true);
      expect(outcome(() => normalizeSerial(text))).toEqual(cli);
    }
    for (const text of ['ff'.repeat(21), `01${'ff'.repeat(20)}`, '12:345', '0']) {
      expect(
        outcome(() => parseSerial(text)),
        text,
      ).toEqual({ ok: false, code: 'serial_invalid' });
      expect(
        outcome(() => normalizeSerial(text)),
        text,
      ).toEqual({ ok: false, code: 'serial_invalid' });
    }
  });

  it('SAN lists: a wildcard, a name twice or more than 20 names are refused on both sides; the CA gets the canonical sorted list', () => {
    const many = Array.from({ length: 21 }, (_, i) => `dns:h${i}.example`);
    for (const list of [['dns:*.example.com'], ['dns:a.example', 'DNS:A.example'], many, ['dns:host.']]) {
      expect(outcome(() => parseSanList(list)).ok, list.join(' ')).toBe(false);
      expect(outcome(() => validateSans(list)).ok, list.join(' ')).toBe(false);
    }
    const ok = ['ip:10.0.0.7', 'dns:Web-1.Example.com'];
    expect(outcome(() => parseSanList(ok))).toEqual({ ok: true, value: ['dns:web-1.example.com', 'ip:10.0.0.7'] });
    expect(outcome(() => validateSans(parseSanList(ok)))).toEqual({ ok: true, value: ['dns:web-1.example.com', 'ip:10.0.0.7'] });
  });

  it(`random durations and serials: the CLI accepts exactly what the CA accepts, with the same value (seed ${SEED}; RAPKI_FUZZ_SEED)`, () => {
    const duration = fc.oneof(fc.stringMatching(/^\d{1,10}[smhdw]?$/), fc.string({ maxLength: 12 }), fc.integer({ min: 0, max: 9_999_999_999 }).map(String));
    fc.assert(
      fc.property(duration, (text) => {
        const cli = outcome(() => parseDuration(text));
        const ca = outcome(() => parseDurationSeconds(text, 'ttl'));
        expect(cli.ok).toBe(ca.ok);
        if (cli.ok && ca.ok) expect(cli.value).toBe(ca.value);
      }),
      PARAMS,
    );
    const serial = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 23 }).map((b) => Buffer.from(b).toString('hex')),
      fc.uint8Array({ minLength: 1, maxLength: 22 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':')),
      fc.string({ maxLength: 50 }),
    );
    fc.assert(
      fc.property(serial, (text) => {
        const cli = outcome(() => parseSerial(text).hex);
        expect(outcome(() => normalizeSerial(text))).toEqual(cli.ok ? cli : { ok: false, code: 'serial_invalid' });
      }),
      PARAMS,
    );
  });
});

describe('through real processes: rapki ca serve and the built CLI', () => {
  let ca: CaServerProcess;
  const env = () => ({ RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken });
  /** A CA that is not there: a check that passes would end in `ca_unreachable`. */
  const nowhere = { RAPKI_CA_URL: 'https://127.0.0.1:9', RAPKI_CA_FINGERPRINT: 'ab'.repeat(32), RAPKI_ADMIN_TOKEN: 'rapki_at_x' };

  beforeAll(async () => {
    ca = await startCaServerProcess();
  }, 60_000);
  afterAll(async () => {
    await ca?.dispose();
  });

  it('token create --ttl 90, 60 and 3600 (seconds): the CLI sends them and the CA makes the tokens', async () => {
    for (const ttl of ['90', '60', '3600']) {
      const before = Date.now();
      const r = await runCli(['token', 'create', '--subject', `ttl-${ttl}`, '--ttl', ttl, '--json'], { env: env() });
      expect(r.code, r.stderr).toBe(0);
      const { expiresAt } = JSON.parse(r.out) as { expiresAt: string };
      const left = (Date.parse(expiresAt) - before) / 1000;
      expect(left, expiresAt).toBeGreaterThan(Number(ttl) - 30);
      expect(left, expiresAt).toBeLessThanOrEqual(Number(ttl) + 1);
    }
  }, 60_000);

  it('the CLI refuses what the CA would refuse, before it connects: a SAN given twice, a 21-octet serial', async () => {
    const twice = await runCli(['token', 'create', '--subject', 'h', '--san', 'dns:a.example', '--san', 'DNS:A.example'], { env: nowhere });
    expect([twice.code, twice.stderr]).toEqual([1, expect.stringMatching(/^rapki: san_invalid: dns:a\.example is given twice/)]);
    const long = await runCli(['cert', 'revoke', 'ff'.repeat(21)], { env: nowhere });
    expect([long.code, long.stderr]).toEqual([1, expect.stringMatching(/^rapki: serial_invalid: a certificate serial has at most 20 octets/)]);
    // The CA, asked directly, refuses both too (what the CLI refuses is what the CA would).
    const root = readFileSync(ca.rootPem, 'utf8');
    const sans = await call(ca.url, 'POST', CA_PATHS.tokens, {
      ca: root,
      token: ca.adminToken,
      body: { subject: 'h', sans: ['dns:a.example', 'DNS:A.example'] },
    });
    expect([sans.status, sans.json.code]).toEqual([400, 'invalid_request']);
    const serial = await call(ca.url, 'POST', CA_PATHS.revokeSerial('ff'.repeat(21)), { ca: root, token: ca.adminToken, body: {} });
    expect([serial.status, serial.json.code]).toEqual([400, 'serial_invalid']);
  }, 60_000);
});
