import { describe, expect, it } from 'vitest';
import { looksLikePem, parsePemBlocks, toPem } from '../../../signer/src/x509/pem.js';

describe('PEM blocks', () => {
  it('finds blocks among free text and keeps RFC 1421 headers', () => {
    const text = 'hello\n-----BEGIN A-----\nAQID\n-----END A-----\nmiddle text\n-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nBAUG\n-----END RSA PRIVATE KEY-----\ntrailer';
    const blocks = parsePemBlocks(text);
    expect(blocks.map((b) => b?.type)).toEqual(['A', 'RSA PRIVATE KEY']);
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
    const pem = toPem('CERTIFICATE', der);
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
