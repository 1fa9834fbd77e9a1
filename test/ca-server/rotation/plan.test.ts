/** `computePlan` (pure): overlap from the longest valid leaf lifetime, drain by phase, step dates. */
import { describe, expect, it } from 'vitest';
import { computePlan } from '../../../ca-server/src/rotation/plan.js';
import type { ActiveLeaves, LeafSummary } from '../../../ca-server/src/rotation/leaves.js';
import type { RotationState } from '../../../ca-server/src/rotation/state.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const leaf = (serial: string, issuerId: string, ttl: number, leftS: number): LeafSummary => ({
  serial,
  host: `h-${serial}`,
  issuerId,
  certTtlSeconds: ttl,
  notAfter: new Date(NOW.getTime() + leftS * 1000),
});
const leaves = (all: LeafSummary[], renewed: string[] = []): ActiveLeaves => ({ all, renewed: new Set(renewed) });
const state = (phase: RotationState['phase']): RotationState => ({
  version: 1,
  id: 'r1',
  phase,
  startedAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  emergency: false,
  keyType: 'ec-p256',
  old: { issuerId: 'old', rootFingerprint: 'f'.repeat(64) },
  next: { issuerId: 'new', rootFingerprint: 'e'.repeat(64), newRoot: true, keyType: 'ec-p256' },
  done: phase === 'active' ? ['generate', 'register', 'publish', 'crl', 'switch'] : [],
});

describe('computePlan', () => {
  it('before a rotation: overlap = longest valid leaf lifetime + margin; finish earliest after it', () => {
    const p = computePlan({
      now: NOW,
      state: undefined,
      leaves: leaves([leaf('a', 'old', 3600, 100), leaf('b', 'old', 86400, 5000)]),
      currentIssuerId: 'old',
      intermediate: false,
    });
    expect(p.phase).toBe('idle');
    expect(p.longestLeafLifetimeSeconds).toBe(86400);
    expect(p.overlapSeconds).toBe(86400 + 300);
    expect(p.pendingLeaves).toBe(2);
    expect(p.earliestFinishAt).toBe(new Date(NOW.getTime() + 86700_000).toISOString());
    expect(p.expectedDrainAt).toBe(new Date(NOW.getTime() + 57600_000).toISOString());
    expect(p.steps.map((s) => s.name)).toEqual(['generate', 'publish', 'crl', 'switch', 'drain', 'finish']);
    expect(p.steps[0]!.description).toMatch(/new root/);
    expect(p.steps.every((s) => !s.done)).toBe(true);
  });

  it('intermediate CAs get a new intermediate under the same root', () => {
    const p = computePlan({ now: NOW, state: undefined, leaves: leaves([]), currentIssuerId: 'old', intermediate: true });
    expect(p.steps[0]!.description).toMatch(/new intermediate under the same root/);
    expect(p.overlapSeconds).toBe(300);
  });

  it('active: renewed and other-issuer leaves do not block; finish when the last pending one expires', () => {
    const all = [leaf('a', 'old', 600, 100), leaf('b', 'old', 600, 400), leaf('c', 'new', 600, 590), leaf('d', 'old', 600, 500)];
    const p = computePlan({ now: NOW, state: state('active'), leaves: leaves(all, ['d']), currentIssuerId: 'old', intermediate: false });
    expect(p.pendingLeaves).toBe(2);
    expect(p.blocking.map((b) => b.serial)).toEqual(['b', 'a']);
    expect(p.drainedBy).toBe(new Date(NOW.getTime() + 400_000).toISOString());
    expect(p.earliestFinishAt).toBe(p.drainedBy);
    expect(p.steps.find((s) => s.name === 'switch')!.done).toBe(true);
    expect(p.steps.find((s) => s.name === 'drain')!.done).toBe(false);
  });

  it('active and drained: finish now; aborting waits for the NEW CA instead', () => {
    const all = [leaf('c', 'new', 600, 590)];
    const active = computePlan({ now: NOW, state: state('active'), leaves: leaves(all), currentIssuerId: 'old', intermediate: false });
    expect(active.pendingLeaves).toBe(0);
    expect(active.earliestFinishAt).toBe(NOW.toISOString());
    expect(active.steps.find((s) => s.name === 'drain')!.done).toBe(true);
    const aborting = computePlan({ now: NOW, state: state('aborting'), leaves: leaves(all), currentIssuerId: 'old', intermediate: false });
    expect(aborting.pendingLeaves).toBe(1);
    expect(aborting.blocking[0]!.serial).toBe('c');
  });
});
