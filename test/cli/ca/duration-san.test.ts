import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../cli/src/ca-client/duration.js';
import { formatSan, parseSan } from '../../../cli/src/ca-client/san.js';

describe('parseDuration', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['24h', 86400],
    ['7d', 604800],
  ])('%s = %i s', (s, n) => expect(parseDuration(s)).toBe(n));
  it.each([['0'], ['1w'], ['-1h'], ['1.5h'], ['h'], ['']])('refuses %j', (s) =>
    expect(() => parseDuration(s)).toThrow(expect.objectContaining({ code: 'duration_invalid' })),
  );
});

describe('parseSan', () => {
  it.each([
    ['dns:Web-1.Example.com', 'dns:web-1.example.com'],
    ['web-1', 'dns:web-1'],
    ['ip:10.0.0.7', 'ip:10.0.0.7'],
    ['ip:::1', 'ip:::1'],
    ['uri:spiffe://example/web', 'uri:spiffe://example/web'],
    ['email:ops@example.com', 'email:ops@example.com'],
    ['dns:Bücher.example', 'dns:xn--bcher-kva.example'],
  ])('%s', (input, out) => expect(formatSan(parseSan(input))).toBe(out));
  // The CA has never bound wildcards to a token; the CLI now refuses them too (one name policy).
  it.each([
    ['dns:bad name'],
    ['ip:10.0.0.300'],
    ['uri:not a uri'],
    ['email:nobody'],
    [''],
    ['dns:-'],
    ['DNS:*.example.com'],
    ['uri:https://x.example/?q=1'],
    ['email:jörg@example.com'],
  ])('refuses %j', (s) => expect(() => parseSan(s)).toThrow(expect.objectContaining({ code: 'san_invalid' })));
});
