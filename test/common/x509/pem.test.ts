import { describe, expect, it } from 'vitest';
import {
  derToPem,
  isPemDefect,
  looksLikePem,
  PemError,
  pemBlocks,
  pemByteLength,
  pemToDer,
  scanPem,
  type PemBlock,
  type PemDefect,
} from '../../../common/src/x509/pem.js';

/** The signer's view of a scan: a block, or null for a defect (what its callers code as unparsable_pem). */
const parsePemBlocks = (text: string): Array<PemBlock | null> => scanPem(text).map((b) => (isPemDefect(b) ? null : b));

describe('PEM blocks', () => {
  it('finds blocks among free text and keeps RFC 1421 headers', () => {
    const text =
      'hello\n-----BEGIN A-----\nAQID\n-----END A-----\nmiddle text\n-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nBAUG\n-----END RSA PRIVATE KEY-----\ntrailer';
    const blocks = parsePemBlocks(text);
    expect(blocks.map((b) => b?.label)).toEqual(['A', 'RSA PRIVATE KEY']);
    expect([...(blocks[0]?.der ?? [])]).toEqual([1, 2, 3]);
    expect(blocks[1]?.headers['Proc-Type']).toBe('4,ENCRYPTED');
    expect([...(blocks[1]?.der ?? [])]).toEqual([4, 5, 6]);
  });
  it('accepts CRLF line endings', () => {
    expect(parsePemBlocks('-----BEGIN A-----\r\nAQID\r\n-----END A-----\r\n')[0]?.der.length).toBe(3);
  });
  it('returns null for a body that is not base64', () => {
    expect(parsePemBlocks('-----BEGIN A-----\n#$%\n-----END A-----')).toEqual([null]);
  });
  it('round-trips through toPem and detects PEM', () => {
    const der = Buffer.alloc(100, 7);
    const pem = derToPem(der, 'CERTIFICATE');
    expect(pem.split('\n')[1]).toHaveLength(64);
    expect(parsePemBlocks(pem)[0]?.der.equals(der)).toBe(true);
    expect(looksLikePem(Buffer.from(pem))).toBe(true);
    expect(looksLikePem(der)).toBe(false);
  });
});

describe('PEM blocks: malformed framing', () => {
  it('returns null for a block without END or with a different END label', () => {
    expect(parsePemBlocks('-----BEGIN A-----\nAQID\n')).toEqual([null]);
    expect(parsePemBlocks('-----BEGIN A-----\nAQID\n-----END B-----\n')).toEqual([null]);
  });
  it('stays linear on many unterminated BEGIN lines', () => {
    const text = '-----BEGIN A-----\n'.repeat(50_000);
    const t0 = performance.now();
    const blocks = parsePemBlocks(text);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(blocks.every((b) => b === null)).toBe(true);
  });
});

describe('PEM helpers (RFC 7468)', () => {
  it('round-trips with 64-column lines and exact length prediction', () => {
    for (const n of [0, 1, 47, 48, 49, 1000, 4097]) {
      const der = Uint8Array.from({ length: n }, (_, i) => i & 0xff);
      const pem = derToPem(der, 'X509 CRL');
      expect(pem.split('\n').every((l) => l.length <= 64)).toBe(true);
      expect(pemByteLength(der, 'X509 CRL')).toBe(pem.length);
      if (n > 0) expect([...pemToDer(pem, 'X509 CRL')]).toEqual([...der]);
    }
  });

  it('finds the right block among others, tolerates CRLF and text, refuses wrong labels and bad base64', () => {
    const a = derToPem(Uint8Array.of(1, 2, 3), 'CERTIFICATE');
    const b = derToPem(Uint8Array.of(4, 5), 'X509 CRL');
    const text = `junk\r\n${b.replace(/\n/g, '\r\n')}more\n${a}${a}`;
    expect([...pemToDer(text, 'CERTIFICATE')]).toEqual([1, 2, 3]);
    expect([...pemToDer(text, 'X509 CRL')]).toEqual([4, 5]);
    expect(pemBlocks(text, 'CERTIFICATE').length).toBe(2);
    expect(() => pemToDer(a, 'X509 CRL')).toThrow(expect.objectContaining({ code: 'pem_invalid' }));
    expect(() => pemToDer('-----BEGIN X509 CRL-----\n@@@@\n-----END X509 CRL-----\n', 'X509 CRL')).toThrow(expect.objectContaining({ code: 'pem_invalid' }));
    expect(() => pemToDer('-----BEGIN X509 CRL-----\nAQID\n-----END CERTIFICATE-----\n', 'X509 CRL')).toThrow(expect.objectContaining({ code: 'pem_invalid' }));
  });
});

describe('PEM: one rule set for every caller', () => {
  const a = derToPem(Uint8Array.of(1, 2, 3), 'CERTIFICATE');
  it('reports defects in place and keeps reading after them', () => {
    const text = `-----BEGIN A-----\nAQID\n-----END B-----\n${a}-----BEGIN C-----\nAQID\n`;
    const scanned = scanPem(text);
    expect(scanned.map((b) => [b.label, isPemDefect(b)])).toEqual([
      ['A', true],
      ['CERTIFICATE', false],
      ['C', true],
    ]);
    expect((scanned[0] as PemDefect).defect).toMatch(/END label B does not match BEGIN A/);
    expect((scanned[2] as PemDefect).defect).toMatch(/no END line/);
    // A defect only matters to a caller that wants its label.
    expect(pemBlocks(text, 'CERTIFICATE')).toHaveLength(1);
    expect(() => pemBlocks(text, ['CERTIFICATE', 'C'])).toThrow(PemError);
  });
  it('a BEGIN inside a block ends that block as a defect and starts the next', () => {
    const scanned = scanPem(`-----BEGIN A-----\nAQID\n${a}`);
    expect(scanned.map((b) => isPemDefect(b))).toEqual([true, false]);
  });
  it("refuses junk that Node's base64 decoder would skip, padding in the middle and empty bodies", () => {
    for (const bodyText of ['AQ#ID', 'AQ==AQID', 'AQI', '', '  ']) {
      expect(() => pemToDer(`-----BEGIN A-----\n${bodyText}\n-----END A-----\n`, 'A'), bodyText).toThrow(PemError);
    }
  });
  it('tolerates whitespace inside the body and around the boundary lines', () => {
    expect([...pemToDer('  -----BEGIN A-----  \n AQ ID \n\t-----END A-----\t\n', 'A')]).toEqual([1, 2, 3]);
  });
  it('accepts one of several labels and reports a missing one by name', () => {
    expect([...pemToDer(a, ['X509 CRL', 'CERTIFICATE'])]).toEqual([1, 2, 3]);
    expect(() => pemToDer(a, ['X509 CRL', 'CRL'])).toThrow(/no PEM block labelled X509 CRL or CRL/);
    expect(() => pemToDer(a, 'X509 CRL')).toThrow(expect.objectContaining({ code: 'pem_invalid' }));
  });
  it('does not treat a BEGIN in the middle of a line as a block', () => {
    expect(scanPem(`text ${a}`)).toEqual([]);
  });
  it('writes 64-column lines with LF and a final newline, whatever the input view', () => {
    const big = new Uint8Array(200).fill(9);
    const view = big.subarray(10, 110);
    const pem = derToPem(view, 'X');
    expect(pem.endsWith('-----END X-----\n')).toBe(true);
    expect(pem.includes('\r')).toBe(false);
    expect(
      pem
        .split('\n')
        .slice(1, -2)
        .every((l, i, all) => l.length === (i === all.length - 1 ? l.length : 64)),
    ).toBe(true);
    expect([...pemToDer(pem, 'X')]).toEqual([...view]);
  });
});
