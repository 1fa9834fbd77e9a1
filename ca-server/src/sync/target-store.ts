/**
 * Where the CA remembers which Roles Anywhere trust anchors get its CRL pushed (sync targets).
 *
 * Why a file and not the CA's SQLite store: `rapki aws register --ca-dir D` must be able to add a
 * target on the CA host without the server running and without knowing the store's schema, and
 * the server must see targets added that way. The file is tiny (at most a few dozen targets), is
 * re-read on every `list()`, and is replaced atomically (temp file + rename, 0600).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { awsError } from '../../../common/src/aws/errors.js';
import { SYNC_LIMITS, SYNC_STORE_FILE } from './constants.js';

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

/** Storage seam of the CRL sync: synchronous because it is small, local and read per notify. */
export interface SyncTargetStore {
  list(): SyncTarget[];
  get(id: string): SyncTarget | undefined;
  /** Insert or replace by id. */
  put(target: SyncTarget): void;
  remove(id: string): boolean;
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
    if (!['trustAnchorArn', 'crlArn', 'region', 'endpoint', 'pushedCrlSha256', 'pushedCrlNumber'].includes(k)) throw awsError('sync_target_invalid', `unknown field: ${k.slice(0, 40)}`);
  }
  const { trustAnchorArn, crlArn, region, endpoint, pushedCrlSha256, pushedCrlNumber } = o;
  if (typeof trustAnchorArn !== 'string' || !TA_ARN.test(trustAnchorArn)) throw awsError('sync_target_invalid', 'trustAnchorArn must be a Roles Anywhere trust anchor ARN');
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

/** The file-backed store in the CA directory (`<dir>/aws-sync-targets.json`). */
export class FileSyncTargetStore implements SyncTargetStore {
  readonly path: string;

  constructor(caDir: string) {
    this.path = join(caDir, SYNC_STORE_FILE);
  }

  list(): SyncTarget[] {
    if (!existsSync(this.path)) return [];
    let text: string;
    try {
      if (statSync(this.path).size > SYNC_LIMITS.storeMaxBytes) throw new Error('file too large');
      text = readFileSync(this.path, 'utf8');
    } catch (cause) {
      throw awsError('sync_store_invalid', undefined, { cause });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw awsError('sync_store_invalid', undefined, { cause });
    }
    const targets = (parsed as { version?: unknown; targets?: unknown }).targets;
    if ((parsed as { version?: unknown }).version !== 1 || !Array.isArray(targets)) throw awsError('sync_store_invalid');
    return targets.filter((t): t is SyncTarget => typeof t === 'object' && t !== null && typeof (t as SyncTarget).id === 'string');
  }

  get(id: string): SyncTarget | undefined {
    return this.list().find((t) => t.id === id);
  }

  put(target: SyncTarget): void {
    const all = this.list().filter((t) => t.id !== target.id);
    if (all.length >= SYNC_LIMITS.maxTargets) throw awsError('sync_target_invalid', `at most ${SYNC_LIMITS.maxTargets} sync targets`);
    all.push(target);
    this.write(all);
  }

  remove(id: string): boolean {
    const all = this.list();
    const rest = all.filter((t) => t.id !== id);
    if (rest.length === all.length) return false;
    this.write(rest);
    return true;
  }

  private write(targets: SyncTarget[]): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      writeFileSync(tmp, `${JSON.stringify({ version: 1, targets }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      renameSync(tmp, this.path);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        /* already gone */
      }
      throw e;
    }
  }
}

/** An in-memory store (tests, and servers that keep no CA directory). */
export class MemorySyncTargetStore implements SyncTargetStore {
  private readonly targets = new Map<string, SyncTarget>();
  list(): SyncTarget[] {
    return [...this.targets.values()];
  }
  get(id: string): SyncTarget | undefined {
    return this.targets.get(id);
  }
  put(target: SyncTarget): void {
    this.targets.set(target.id, target);
  }
  remove(id: string): boolean {
    return this.targets.delete(id);
  }
}
