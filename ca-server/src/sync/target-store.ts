/**
 * Which Roles Anywhere trust anchors get the CA's CRLs pushed (sync targets), and what each CRL
 * slot of each anchor holds: the shape the CRL sync works with ({@link SyncTargetStore}), its input
 * validation, and an in-memory store for tests. The CA keeps them in its store
 * (`store-sync-targets.ts`, docs/ha.md), so every replica, and `rapki aws register --ca-dir` on the
 * CA host, see the same targets.
 */
import { createHash } from 'node:crypto';
import { awsError } from '../../../common/src/aws/errors.js';
import { SYNC_LIMITS } from './constants.js';

/** One trust anchor whose CRL slot the CA keeps equal to its current CRL. */
export interface SyncTarget {
  /** Stable id: first 16 hex of SHA-256(region, endpoint, trustAnchorArn). */
  readonly id: string;
  readonly trustAnchorArn: string;
  /** The imported CRL; absent until the first ImportCrl. */
  readonly crlArn?: string | undefined;
  readonly region: string;
  /** Custom control-plane endpoint (the emulator); absent for AWS itself. */
  readonly endpoint?: string | undefined;
  readonly createdAt: string;
  /** Last CRL number confirmed by read-back (decimal string: CRL numbers go up to 20 octets). */
  readonly lastPushedNumber?: string | undefined;
  /** SHA-256 hex of the PEM bytes last confirmed by read-back. */
  readonly lastPushedSha256?: string | undefined;
  readonly lastSuccessAt?: string | undefined;
}

/**
 * Storage seam of the CRL sync. Reads are synchronous (a small set, read on every notify, from
 * memory); writes are durable when they resolve.
 */
export interface SyncTargetStore {
  list(): SyncTarget[];
  get(id: string): SyncTarget | undefined;
  /**
   * Records what was pushed to a target (registering it first when it is new): the pushed CRL
   * number never goes backwards, whichever replica writes last (a smaller one is not stored).
   */
  put(target: SyncTarget): Promise<void>;
  /** Records the slot as given (handed to another CRL, or cleared): numbers may go down. */
  reset(target: SyncTarget): Promise<void>;
  /** Registers a target (audited as `actor`); false when it was registered already. Then records its slot like `put`. */
  register(target: SyncTarget, actor: string): Promise<boolean>;
  remove(id: string, actor?: string): Promise<boolean>;
  /**
   * The fence of replicas (docs/ha.md "Work done once"): asked before every push of CRL `number`
   * of `issuer` (its authority key identifier, lower-case hex); false means
   * another replica leads or this CRL number was claimed by another leader, and the push is
   * skipped. Absent: every push goes (one process).
   */
  claimPush?(targetId: string, issuer: string, number: bigint): Promise<boolean>;
}

/** The deterministic id of a target, so that registering the same anchor twice yields one target. */
export function syncTargetId(t: { region: string; endpoint?: string | undefined; trustAnchorArn: string }): string {
  return createHash('sha256')
    .update(`${t.region}\n${t.endpoint ?? ''}\n${t.trustAnchorArn}`)
    .digest('hex')
    .slice(0, 16);
}

const TA_ARN = /^arn:aws(-[^:]+)?:rolesanywhere:[a-z0-9-]+:\d{12}:trust-anchor\/[a-f0-9-]{36}$/;
const CRL_ARN = /^arn:aws(-[^:]+)?:rolesanywhere:[a-z0-9-]+:\d{12}:crl\/[a-f0-9-]{36}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** Validate the caller-supplied part of a target (admin API body, CLI). Returns the normalised target. */
export function validateTargetInput(input: unknown, now: Date): SyncTarget {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw awsError('sync_target_invalid', 'a sync target must be a JSON object');
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['trustAnchorArn', 'crlArn', 'region', 'endpoint', 'pushedCrlSha256', 'pushedCrlNumber'].includes(k))
      throw awsError('sync_target_invalid', `unknown field: ${k.slice(0, 40)}`);
  }
  const { trustAnchorArn, crlArn, region, endpoint, pushedCrlSha256, pushedCrlNumber } = o;
  if (typeof trustAnchorArn !== 'string' || !TA_ARN.test(trustAnchorArn))
    throw awsError('sync_target_invalid', 'trustAnchorArn must be a Roles Anywhere trust anchor ARN');
  if (crlArn !== undefined && crlArn !== null && (typeof crlArn !== 'string' || !CRL_ARN.test(crlArn))) {
    throw awsError('sync_target_invalid', 'crlArn must be a Roles Anywhere CRL ARN');
  }
  if (typeof region !== 'string' || !REGION.test(region)) throw awsError('sync_target_invalid', 'region must be an AWS region');
  if (endpoint !== undefined && endpoint !== null) {
    if (typeof endpoint !== 'string' || endpoint.length > SYNC_LIMITS.endpointMaxChars || !isHttpUrl(endpoint)) {
      throw awsError('sync_target_invalid', 'endpoint must be an http:// or https:// URL');
    }
  }
  if (pushedCrlSha256 !== undefined && (typeof pushedCrlSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(pushedCrlSha256))) {
    throw awsError('sync_target_invalid', 'pushedCrlSha256 must be 64 lower-case hex digits');
  }
  if (pushedCrlNumber !== undefined && (typeof pushedCrlNumber !== 'string' || !/^\d{1,49}$/.test(pushedCrlNumber))) {
    throw awsError('sync_target_invalid', 'pushedCrlNumber must be a decimal string');
  }
  const ep = typeof endpoint === 'string' ? endpoint : undefined;
  return {
    id: syncTargetId({ region, endpoint: ep, trustAnchorArn }),
    trustAnchorArn,
    crlArn: typeof crlArn === 'string' ? crlArn : undefined,
    region,
    endpoint: ep,
    createdAt: now.toISOString(),
    ...(typeof pushedCrlSha256 === 'string'
      ? { lastPushedSha256: pushedCrlSha256, lastPushedNumber: pushedCrlNumber as string | undefined, lastSuccessAt: now.toISOString() }
      : {}),
  };
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** Whether a push of CRL `next` may replace what `stored` records (never a smaller number). */
export function pushMovesForward(stored: string | undefined, next: string | undefined): boolean {
  if (stored === undefined || next === undefined) return true;
  try {
    return BigInt(next) >= BigInt(stored);
  } catch {
    return true;
  }
}

/** An in-memory store (tests). */
export class MemorySyncTargetStore implements SyncTargetStore {
  private readonly targets = new Map<string, SyncTarget>();
  list(): SyncTarget[] {
    return [...this.targets.values()];
  }
  get(id: string): SyncTarget | undefined {
    return this.targets.get(id);
  }
  async put(target: SyncTarget): Promise<void> {
    const cur = this.targets.get(target.id);
    if (cur && !pushMovesForward(cur.lastPushedNumber, target.lastPushedNumber)) return;
    if (this.targets.size >= SYNC_LIMITS.maxTargets && !cur) throw awsError('sync_target_invalid', `at most ${SYNC_LIMITS.maxTargets} sync targets`);
    this.targets.set(target.id, target);
  }
  async reset(target: SyncTarget): Promise<void> {
    this.targets.set(target.id, target);
  }
  async register(target: SyncTarget): Promise<boolean> {
    const isNew = !this.targets.has(target.id);
    await this.put(target);
    return isNew;
  }
  async remove(id: string): Promise<boolean> {
    return this.targets.delete(id);
  }
}
