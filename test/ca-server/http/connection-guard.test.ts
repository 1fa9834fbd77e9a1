/**
 * Pieces of the connection limits (docs/security.md C33) that need no server: what counts as one
 * client, the default caps for a descriptor limit, reading `ulimit -n`. The caps themselves are
 * exercised against a real `ca serve` in test/security/connection-limits.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { connectionCaps, DEFAULT_TIMEOUTS } from '../../../ca-server/src/config.js';
import { clientKey } from '../../../ca-server/src/http/connection-guard.js';
import { openFileLimit } from '../../../ca-server/src/http/descriptor-limit.js';

describe('connection limits', () => {
  it('one client = an IPv4 address (mapped or not) or an IPv6 /64', () => {
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('2001:db8:1:2::1')).toBe(clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
    expect(clientKey('fe80::1%eth0')).toBe(clientKey('fe80::2'));
    expect(clientKey(undefined)).toBe('unknown');
  });

  it('default caps follow the descriptor limit; a cap that does not fit it is refused', () => {
    expect(connectionCaps(256)).toEqual({ max: 128, perClient: 32 });
    expect(connectionCaps(1024)).toEqual({ max: 896, perClient: 64 });
    expect(connectionCaps(undefined)).toEqual({ max: 896, perClient: 64 });
    expect(connectionCaps(100)).toEqual({ max: 32, perClient: 8 });
    expect(connectionCaps(1_000_000)).toEqual({ max: 4096, perClient: 64 });
    expect(connectionCaps(1024, { max: 10, perClient: 50 })).toEqual({ max: 10, perClient: 10 });
    expect(() => connectionCaps(256, { max: 300 })).toThrow(
      expect.objectContaining({ code: 'ca_config_invalid', message: expect.stringContaining('ulimit -n') }),
    );
    expect(() => connectionCaps(1024, { max: 0 })).toThrow(expect.objectContaining({ code: 'ca_config_invalid' }));
    expect(() => connectionCaps(1024, { perClient: 1.5 })).toThrow(expect.objectContaining({ code: 'ca_config_invalid' }));
  });

  it('the documented timeouts: handshake <= 10 s, headers 15 s, request 30 s, keep-alive 5 s', () => {
    expect(DEFAULT_TIMEOUTS).toEqual({ handshakeMs: 10_000, headersMs: 15_000, requestMs: 30_000, keepAliveMs: 5_000 });
  });

  it('reads the soft open-file limit from /proc/self/limits', () => {
    const limits =
      'Limit                     Soft Limit           Hard Limit           Units\nMax open files            256                  4096                 files\n';
    expect(openFileLimit(() => limits)).toBe(256);
    expect(openFileLimit(() => limits.replace('256 ', 'unlimited '))).toBe(Number.MAX_SAFE_INTEGER);
    expect(openFileLimit(() => 'nothing')).toBeUndefined();
    expect(
      openFileLimit(() => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
    expect(openFileLimit()).toBeGreaterThan(0);
  });
});
