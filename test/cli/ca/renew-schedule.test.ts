import { describe, expect, it } from 'vitest';
import { backoffDelayMs, BACKOFF_MAX_MS, BACKOFF_MIN_MS, renewalDelayMs } from '../../../cli/src/ca-client/renew-schedule.js';

const H = 3_600_000;
const v = { notBefore: new Date('2026-11-25T00:00:00Z'), notAfter: new Date('2026-11-26T00:00:00Z') };

describe('renewalDelayMs', () => {
  it('aims at 2/3 of the lifetime', () => {
    expect(renewalDelayMs(v, v.notBefore, () => 0.5)).toBe(16 * H);
  });
  it('jitters by at most 5% of the lifetime either way', () => {
    expect(renewalDelayMs(v, v.notBefore, () => 0)).toBe(16 * H - 0.05 * 24 * H);
    expect(renewalDelayMs(v, v.notBefore, () => 0.999999)).toBeCloseTo(16 * H + 0.05 * 24 * H, -3);
  });
  it('counts from when the certificate was obtained when notBefore is backdated (no renewal loop)', () => {
    // 2 min certificate backdated 5 min: from notBefore the 2/3 point would already be past.
    const short = { notBefore: new Date('2026-11-25T00:00:00Z'), notAfter: new Date('2026-11-25T00:07:00Z') };
    const obtained = new Date('2026-11-25T00:05:00Z');
    expect(renewalDelayMs(short, obtained, () => 0.5)).toBe(0);
    expect(renewalDelayMs(short, obtained, () => 0.5, obtained)).toBe(80_000);
    // obtainedAt before notBefore changes nothing.
    expect(renewalDelayMs(v, v.notBefore, () => 0.5, new Date(0))).toBe(16 * H);
  });
  it('is 0 when the point has passed or the certificate is odd', () => {
    expect(renewalDelayMs(v, new Date('2026-11-25T20:00:00Z'), () => 0.5)).toBe(0);
    expect(renewalDelayMs({ notBefore: v.notAfter, notAfter: v.notBefore }, v.notBefore, () => 0.5)).toBe(0);
  });
});

describe('backoffDelayMs', () => {
  const early = v.notBefore;
  it('doubles from the minimum up to the cap, with jitter in the upper half', () => {
    expect(backoffDelayMs(1, v, early, () => 0)).toBe(BACKOFF_MIN_MS / 2);
    expect(backoffDelayMs(1, v, early, () => 1)).toBe(BACKOFF_MIN_MS);
    expect(backoffDelayMs(3, v, early, () => 1)).toBe(BACKOFF_MIN_MS * 4);
    expect(backoffDelayMs(50, v, early, () => 1)).toBe(BACKOFF_MAX_MS);
  });
  it('never sleeps past half of the remaining lifetime near expiry', () => {
    const now = new Date(v.notAfter.getTime() - 10 * 60_000);
    expect(backoffDelayMs(50, v, now, () => 1)).toBe(5 * 60_000);
  });
});
