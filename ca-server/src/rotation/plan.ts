/**
 * `rapki ca rotate plan`: the steps, their dates and the overlap, computed (pure) from the leaves
 * still valid.
 *
 * The overlap is the time both CAs must stay trusted after new leaves start coming from the new
 * CA: a leaf the old CA signs just before the switch lives its full lifetime, so the overlap is the
 * LONGEST LIFETIME of a valid leaf (plus a margin for clock skew and CRL propagation). Hosts renew
 * at about 2/3 of the lifetime, so in practice the old CA drains sooner; `finish` checks the
 * inventory and is allowed as soon as every leaf of the old CA has expired or been renewed.
 */
import type { RotationPhase } from './constants.js';
import { OVERLAP_MARGIN_SECONDS } from './constants.js';
import type { ActiveLeaves, LeafSummary } from './leaves.js';
import { pendingLeaves } from './leaves.js';
import type { RotationState } from './state.js';

export interface PlanStep {
  readonly name: string;
  readonly description: string;
  /** Earliest time (ISO), or undefined when it waits for an operator. */
  readonly at: string | undefined;
  readonly done: boolean;
}

export interface RotationPlan {
  readonly phase: RotationPhase | 'idle';
  readonly now: string;
  /** Longest lifetime of a valid leaf, plus the margin. */
  readonly overlapSeconds: number;
  readonly longestLeafLifetimeSeconds: number;
  /** Leaves of the leaving CA still valid and not renewed. */
  readonly pendingLeaves: number;
  /** When the last of them expires at the latest (ISO), if any. */
  readonly drainedBy: string | undefined;
  /** When `finish` is allowed without --force: now if drained, else `drainedBy`. */
  readonly earliestFinishAt: string;
  /** Expected drain if every host renews at 2/3 of its lifetime. */
  readonly expectedDrainAt: string;
  readonly steps: readonly PlanStep[];
  /** Up to 20 of the pending leaves (latest expiry first). */
  readonly blocking: readonly { serial: string; host: string; notAfter: string }[];
}

export interface PlanInput {
  readonly now: Date;
  readonly state: RotationState | undefined;
  readonly leaves: ActiveLeaves;
  /** Issuer id of the CA that issues now (before a rotation: the one to replace). */
  readonly currentIssuerId: string;
  readonly intermediate: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function computePlan(i: PlanInput): RotationPlan {
  const now = i.now.getTime();
  const s = i.state;
  const phase: RotationPhase | 'idle' = s?.phase ?? 'idle';
  // The CA that must drain: the old one, or (aborting) the new one.
  const leavingId = phase === 'aborting' ? (s?.next?.issuerId ?? '') : (s?.old.issuerId ?? i.currentIssuerId);
  const pending: LeafSummary[] = pendingLeaves(i.leaves, leavingId);
  const longest = i.leaves.all.reduce((m, l) => Math.max(m, l.certTtlSeconds), 0);
  const overlapSeconds = longest + OVERLAP_MARGIN_SECONDS;
  const switched = phase === 'active' || phase === 'finishing' || phase === 'aborting';
  // Before start, the switch is taken as now (start runs its steps in seconds).
  const switchAt = now;
  const drainedByMs = pending.length > 0 ? pending[0]!.notAfter.getTime() : undefined;
  const earliestFinish = switched ? (drainedByMs ?? now) : switchAt + overlapSeconds * 1000;
  const expectedDrain = switched
    ? pending.reduce((m, l) => Math.max(m, Math.min(l.notAfter.getTime(), now + (l.certTtlSeconds * 1000 * 2) / 3)), now)
    : switchAt + (longest * 1000 * 2) / 3;
  const done = (n: string): boolean => !!s && s.done.includes(n);
  const what = i.intermediate ? 'a new intermediate under the same root' : 'a new root (same subject, new key)';
  const steps: PlanStep[] = [
    { name: 'generate', description: `make ${what}; its key is encrypted with the CA passphrase`, at: s ? undefined : iso(now), done: done('generate') },
    {
      name: 'publish',
      description: 'every registered trust anchor gets the two-certificate bundle (old + new), read back',
      at: s ? undefined : iso(now),
      done: done('publish'),
    },
    {
      name: 'crl',
      description: "the new CA's CRL goes into the second CRL slot of every trust anchor; both CRLs are kept in sync from now on",
      at: s ? undefined : iso(now),
      done: done('crl'),
    },
    {
      name: 'switch',
      description: 'new and renewed leaves come from the new CA; ca.pem / GET /v1/ca carry both roots',
      at: s ? undefined : iso(now),
      done: done('switch'),
    },
    {
      name: 'drain',
      description: `wait until every leaf of the old CA has expired or been renewed (${pending.length} pending; overlap ${overlapSeconds} s)`,
      at: iso(earliestFinish),
      done: switched && pending.length === 0 && phase !== 'aborting',
    },
    {
      name: 'finish',
      description: 'remove the old certificate from every bundle and its CRL; the new CA becomes the CA (one store transaction)',
      at: iso(earliestFinish),
      done: false,
    },
  ];
  return {
    phase,
    now: iso(now),
    overlapSeconds,
    longestLeafLifetimeSeconds: longest,
    pendingLeaves: pending.length,
    drainedBy: drainedByMs !== undefined ? iso(drainedByMs) : undefined,
    earliestFinishAt: iso(earliestFinish),
    expectedDrainAt: iso(expectedDrain),
    steps,
    blocking: pending.slice(0, 20).map((l) => ({ serial: l.serial, host: l.host, notAfter: l.notAfter.toISOString() })),
  };
}
