/**
 * Where `rapki aws …` gets the CA's certificates and current CRL, and where it records the CRL
 * sync target: either the running CA server (`--ca-url`, pinned by `--ca-fingerprint`, admin
 * token from `RAPKI_ADMIN_TOKEN`) or the CA directory on the CA host (`--ca-dir`), read without the
 * CA passphrase (only public material and the stored CRL are needed).
 */
import { createHash } from 'node:crypto';
import { codeMatches } from '../../../common/src/errors/registry.js';
import { existsSync, readFileSync } from 'node:fs';
import { crlToPem, readCrlFacts } from '../../../ca-server/src/aws/crl-data.js';
import { awsError } from '../../../common/src/aws/errors.js';
import { FileSyncTargetStore, syncTargetId, validateTargetInput } from '../../../ca-server/src/sync/target-store.js';
import type { SyncTarget } from '../../../ca-server/src/sync/target-store.js';
import type { SyncStatus, SyncTargetRequest, SyncTargetStatus } from '../../../common/src/contract/types.js';
import type { CaClient } from '../ca-client/client.js';
import { CA_PATHS } from '../../../common/src/contract/paths.js';
import { MAX_CRL_RESPONSE_BYTES } from '../ca-client/constants.js';

export interface CaMaterial {
  /** SHA-256 hex of the root DER. */
  readonly fingerprint: string;
  readonly rootPem: string;
  readonly intermediatePem: string | undefined;
  /** Current CRL as canonical PEM, and its number; undefined when the CA has not published one. */
  readonly crl: { readonly pem: string; readonly number: bigint } | undefined;
  /** During a CA rotation (docs/rotation.md): the next CA, which trust anchors hold beside this one. */
  readonly rotationNext?: { readonly rootPem: string; readonly intermediatePem: string | undefined } | undefined;
}

/** What the CA knows about a sync target (server: live state; CA dir: the persisted part). */
export type TargetView = Pick<SyncTargetStatus, 'id' | 'trustAnchorArn' | 'crlArn' | 'region' | 'endpoint' | 'pushedNumber' | 'lastSuccessAt'> &
  Partial<Pick<SyncTargetStatus, 'status' | 'consecutiveFailures' | 'lastError' | 'nextAttemptAt'>>;

/** What `register` asks the CA to keep in sync (the body of `POST /v1/admin/aws/sync-targets`). */
export type SyncTargetInput = SyncTargetRequest;

/** The CA side of `rapki aws …`. */
export interface CaSide {
  readonly kind: 'server' | 'dir';
  material(): Promise<CaMaterial>;
  putSyncTarget(t: SyncTargetInput): Promise<TargetView>;
  removeSyncTarget(t: { trustAnchorArn: string; region: string; endpoint: string | undefined }): Promise<boolean>;
  /** Sync state (server: live, with alarm; dir: stored targets only). */
  syncState(): Promise<{ live: boolean; alarm: SyncStatus['alarm']; targets: readonly TargetView[] }>;
  /** Ask the server to push now; undefined for a CA directory (the CLI pushes itself). */
  requestPush?(targetId?: string): Promise<void>;
  close(): void;
}

function pemToDer(pem: string, label: string): Uint8Array {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!m || m[1] === undefined) throw awsError('flag_value_invalid', `no PEM ${label} found`);
  return new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
}

export function fingerprintOfPem(pem: string): string {
  return createHash('sha256').update(pemToDer(pem, 'CERTIFICATE')).digest('hex');
}

function crlFrom(der: Uint8Array): CaMaterial['crl'] {
  const facts = readCrlFacts(der);
  if (facts.number === undefined) throw awsError('crl_invalid', 'the CA CRL has no CRL number');
  return { pem: crlToPem(der), number: facts.number };
}

/** The CA server over HTTPS (admin routes under /v1/admin/aws). */
export function serverCaSide(client: CaClient): CaSide {
  return {
    kind: 'server',
    async material() {
      const ca = await client.json<{ root?: unknown; intermediates?: unknown; rotation?: { next?: { root?: unknown; intermediates?: unknown } } | null }>('GET', CA_PATHS.ca);
      if (typeof ca.root !== 'string') throw awsError('aws_response_invalid', 'the CA answered GET /v1/ca without a root');
      const inter = Array.isArray(ca.intermediates) && typeof ca.intermediates[0] === 'string' ? ca.intermediates[0] : undefined;
      const res = await client.request('GET', CA_PATHS.crlPem, { accept: 'application/x-pem-file', maxBytes: MAX_CRL_RESPONSE_BYTES });
      return {
        fingerprint: fingerprintOfPem(ca.root),
        rootPem: ca.root,
        intermediatePem: inter,
        crl: crlFrom(pemToDer(res.body.toString('latin1'), 'X509 CRL')),
        rotationNext:
          typeof ca.rotation?.next?.root === 'string'
            ? {
                rootPem: ca.rotation.next.root,
                intermediatePem: Array.isArray(ca.rotation.next.intermediates) && typeof ca.rotation.next.intermediates[0] === 'string' ? ca.rotation.next.intermediates[0] : undefined,
              }
            : undefined,
      };
    },
    async putSyncTarget(t) {
      const r = await client.json<{ target: TargetView }>('POST', CA_PATHS.syncTargets, { admin: true, json: stripUndefined({ ...t }) });
      return r.target;
    },
    async removeSyncTarget(t) {
      const id = syncTargetId(t);
      try {
        await client.json('POST', CA_PATHS.deleteSyncTarget(id), { admin: true, json: {} });
        return true;
      } catch (e) {
        if (codeMatches(e, 'sync_target_not_found')) return false;
        throw e;
      }
    },
    async syncState() {
      const s = await client.json<SyncStatus>('GET', CA_PATHS.syncStatus, { admin: true });
      return { live: true, alarm: s.alarm, targets: s.targets };
    },
    async requestPush(targetId) {
      await client.json('POST', CA_PATHS.syncPush, { admin: true, json: targetId ? { targetId } : {} });
    },
    close() {
      client.close();
    },
  };
}

/** The CA directory on the CA host (`rapki ca init --dir D`). */
export async function dirCaSide(
  dir: string,
  now: () => Date = () => new Date(),
  storeArgs: { url?: string | undefined; urlFile?: string | undefined; env?: NodeJS.ProcessEnv } = {},
): Promise<CaSide> {
  const { caPaths, readCaConfig } = await import('../../../ca-server/src/ca-dir.js');
  const paths = caPaths(dir);
  const config = readCaConfig(dir);
  const store = new FileSyncTargetStore(paths.dir);
  return {
    kind: 'dir',
    async material() {
      const rootPem = readFileSync(paths.rootCert, 'utf8');
      const fingerprint = fingerprintOfPem(rootPem);
      if (fingerprint !== config.fingerprint) throw awsError('flag_value_invalid', 'root.pem does not match the fingerprint in ca.json');
      const intermediatePem = config.intermediate && existsSync(paths.intermediateCert) ? readFileSync(paths.intermediateCert, 'utf8') : undefined;
      const issuingDer = pemToDer(intermediatePem ?? rootPem, 'CERTIFICATE');
      const issuerId = createHash('sha256').update(issuingDer).digest('hex');
      const { storeSelection } = await import('../../../ca-server/src/store/store-selection.js');
      const { withStore } = await import('../../../ca-server/src/store/open-store.js');
      const env = storeArgs.env ?? process.env;
      const sel = storeSelection({ dir, url: storeArgs.url, urlFile: storeArgs.urlFile, env }).open();
      const rec = await withStore({ ...sel, mustExist: true }, (o) => o.store.getCrl(issuerId));
      return { fingerprint, rootPem, intermediatePem, crl: rec ? crlFrom(rec.der) : undefined };
    },
    async putSyncTarget(t) {
      const base = validateTargetInput({ trustAnchorArn: t.trustAnchorArn, crlArn: t.crlArn, region: t.region, endpoint: t.endpoint }, now());
      const existing = store.get(base.id);
      const target: SyncTarget = {
        ...(existing ?? base),
        crlArn: t.crlArn ?? existing?.crlArn,
        ...(t.pushedCrlSha256 ? { lastPushedSha256: t.pushedCrlSha256, lastPushedNumber: t.pushedCrlNumber, lastSuccessAt: now().toISOString() } : {}),
      };
      store.put(target);
      return viewOf(target);
    },
    async removeSyncTarget(t) {
      return store.remove(syncTargetId(t));
    },
    async syncState() {
      return { live: false, alarm: undefined, targets: store.list().map(viewOf) };
    },
    close() {},
  };
}

function viewOf(t: SyncTarget): TargetView {
  return {
    id: t.id,
    trustAnchorArn: t.trustAnchorArn,
    crlArn: t.crlArn,
    region: t.region,
    endpoint: t.endpoint,
    pushedNumber: t.lastPushedNumber,
    lastSuccessAt: t.lastSuccessAt,
  };
}

function stripUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The anchor's bundle: the CA certificate of the chosen kind, and during a CA rotation the next
 * CA's one beside it (two certificates per bundle, docs/rotation.md), so that registering during
 * the overlap never drops the CA that issues now.
 */
export function anchorBundle(material: CaMaterial, usesIntermediate: boolean): string {
  const cur = usesIntermediate ? (material.intermediatePem as string) : material.rootPem;
  const n = material.rotationNext;
  const next = n ? (usesIntermediate ? n.intermediatePem : n.rootPem) : undefined;
  return next && squash(next) !== squash(cur) ? cur + next : cur;
}

const squash = (s: string | undefined): string => (s ?? '').replace(/\s+/g, '');
