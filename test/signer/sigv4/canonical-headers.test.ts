import { describe, expect, it } from 'vitest';
import { canonicalHeaders } from '../../../signer/src/sigv4/canonical-headers.js';

describe("canonicalHeaders (the helper's createCanonicalHeaderString)", () => {
  it('lower-cases, sorts, and joins without a trailing newline', () => {
    const r = canonicalHeaders({ 'X-Amz-Date': '20240101T000000Z', Host: 'h:8080', 'Content-Type': 'application/json' });
    expect(r.canonical).toBe('content-type:application/json\nhost:h:8080\nx-amz-date:20240101T000000Z');
    expect(r.signedHeaders).toBe('content-type;host;x-amz-date');
  });
  it('trims entries and collapses runs of spaces', () => {
    const r = canonicalHeaders({ 'X-Test': '  a   b  c  ' });
    expect(r.canonical).toBe('x-test: a b c');
  });
  it('joins repeated names with commas and merges case variants', () => {
    const r = canonicalHeaders({ 'X-A': ['1', '2'], 'x-a': '3' });
    expect(r.canonical).toBe('x-a:1,2,3');
    expect(r.signedHeaders).toBe('x-a');
  });
  it('never signs Authorization, User-Agent or X-Amzn-Trace-Id', () => {
    const r = canonicalHeaders({ Authorization: 'x', 'User-Agent': 'y', 'X-Amzn-Trace-Id': 'z', Host: 'h' });
    expect(r.signedHeaders).toBe('host');
  });
});
