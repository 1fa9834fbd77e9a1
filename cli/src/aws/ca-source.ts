/**
 * Where `rapki aws …` gets the CA's certificates and current CRL, and where it records the CRL
 * sync target: either the running CA server (`--ca-url`, pinned by `--ca-fingerprint`, admin
 * token from `RAPKI_ADMIN_TOKEN`) or the CA's store on the CA host (`--ca-dir`, with `--store-url`
 * for a CA in PostgreSQL), read without the CA passphrase (only public material and the stored CRL
 * are needed). A target registered this way is seen by every running replica within seconds.
 */
import { codeMatches } from '../../../common/src/errors/registry.js';
import { awsError } from '../../../common/src/aws/errors.js';
import { syncTargetId, validateTargetInput, type SyncTarget } from '../../../ca-server/src/entry/sync.js';
import type { SyncStatus, SyncTargetRequest, SyncTargetStatus } from '../../../common/src/contract/types.js';
import type { CaClient } from '../ca-client/client.js';
import { CRL_INPUT_MAX_BYTES, crlToPem, readCrl } from '../../../common/src/x509/crl.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { derToPem, pemToDer } from '../../../common/src/x509/pem.js';
import { CA_PATHS } from '../../../common/src/contract/paths.js';

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

/** SHA-256 fingerprint of the first CERTIFICATE of `pem`; `flag_value_invalid` when it holds none that reads. */
export function fingerprintOfPem(pem: string): string {
  return sha256Fingerprint(certificateDer(pem));
}

function certificateDer(pem: string): Uint8Array {
  try {
    return pemToDer(pem, 'CERTIFICATE');
  } catch (err) {
    throw awsError('flag_value_invalid', `no PEM CERTIFICATE found (${(err as Error).message})`, { cause: err });
  }
}

function crlFrom(data: Uint8Array | string): CaMaterial['crl'] {
  const crl = readCrl(data);
  if (crl.crlNumber === undefined) throw awsError('crl_invalid', 'the CA CRL has no CRL number');
  return { pem: crlToPem(data), number: crl.crlNumber };
}

/** The CA server over HTTPS (admin routes under /v1/admin/aws). */
export function serverCaSide(client: CaClient): CaSide {
  return {
    kind: 'server',
    async material() {
      const ca = await client.json<{ root?: unknown; intermediates?: unknown; rotation?: { next?: { root?: unknown; intermediates?: unknown } } | null }>(
        'GET',
        CA_PATHS.ca,
      );
      if (typeof ca.root !== 'string') throw awsError('aws_response_invalid', 'the CA answered GET /v1/ca without a root');
      const inter = Array.isArray(ca.intermediates) && typeof ca.intermediates[0] === 'string' ? ca.intermediates[0] : undefined;
      const res = await client.request('GET', CA_PATHS.crlPem, { accept: 'application/x-pem-file', maxBytes: CRL_INPUT_MAX_BYTES });
      return {
        fingerprint: fingerprintOfPem(ca.root),
        rootPem: ca.root,
        intermediatePem: inter,
        crl: crlFrom(res.body.toString('latin1')),
        rotationNext:
          typeof ca.rotation?.next?.root === 'string'
            ? {
                rootPem: ca.rotation.next.root,
                intermediatePem:
                  Array.isArray(ca.rotation.next.intermediates) && typeof ca.rotation.next.intermediates[0] === 'string'
                    ? ca.rotation.next.intermediates[0]
                    : undefined,
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

/** Audit actor of a target registered from the CA host (docs/ca-api.md "Actors"). */
const CA_HOST_ACTOR = 'ca-host';

/** The CA's store, through its directory on the CA host (`rapki ca init --dir D`). */
export async function dirCaSide(
  dir: string,
  now: () => Date = () => new Date(),
  storeArgs: { url?: string | undefined; urlFile?: string | undefined; env?: NodeJS.ProcessEnv } = {},
): Promise<CaSide> {
  const { storeSelection, openCaDirStore, SyncTargetRegistry, caPaths, caExists } = await import('../../../ca-server/src/entry/ca-dir.js');
  const env = storeArgs.env ?? process.env;
  const sel = storeSelection({ dir, url: storeArgs.url, urlFile: storeArgs.urlFile, env }).open();
  if (sel.location.backend === 'sqlite' && !caExists(dir))
    throw awsError('flag_value_invalid', `no CA in ${caPaths(dir).dir} (pass --store-url for a CA in PostgreSQL)`);
  /** One store handle per operation: a CLI run, nothing kept open between calls. */
  const withRegistry = async <T>(fn: (r: InstanceType<typeof SyncTargetRegistry>, s: Awaited<ReturnType<typeof openCaDirStore>>) => Promise<T>): Promise<T> => {
    const opened = await openCaDirStore({ dir, location: sel.location, mustExist: true, env });
    try {
      const reg = new SyncTargetRegistry(opened.store, now);
      await reg.refresh();
      return await fn(reg, opened);
    } finally {
      await opened.close();
    }
  };
  return {
    kind: 'dir',
    async material() {
      return withRegistry(async (_r, o) => {
        const st = await o.store.getCaState();
        const cfg = st.config;
        if (!cfg) throw awsError('flag_value_invalid', `the store ${o.display} holds no CA`);
        const cert = (id: string) => st.certificates.find((c) => c.id === id);
        const root = cert(cfg.rootId);
        if (!root) throw awsError('flag_value_invalid', 'the store holds no root certificate');
        const rootPem = derToPem(root.der, 'CERTIFICATE');
        const inter = cfg.intermediate ? cert(cfg.issuerId) : undefined;
        const intermediatePem = inter ? derToPem(inter.der, 'CERTIFICATE') : undefined;
        const rec = await o.store.getCrl(cfg.issuerId);
        const next = st.rotation ? st.certificates.find((c) => c.state === 'next') : undefined;
        return {
          fingerprint: cfg.rootId,
          rootPem,
          intermediatePem,
          crl: rec ? crlFrom(rec.der) : undefined,
          rotationNext: next
            ? {
                rootPem: next.role === 'root' ? derToPem(next.der, 'CERTIFICATE') : rootPem,
                intermediatePem: next.role === 'intermediate' ? derToPem(next.der, 'CERTIFICATE') : undefined,
              }
            : undefined,
        };
      });
    },
    async putSyncTarget(t) {
      const base = validateTargetInput({ trustAnchorArn: t.trustAnchorArn, crlArn: t.crlArn, region: t.region, endpoint: t.endpoint }, now());
      return withRegistry(async (reg) => {
        const store = reg.primary;
        const existing = store.get(base.id);
        const target: SyncTarget = {
          ...(existing ?? base),
          crlArn: t.crlArn ?? existing?.crlArn,
          ...(t.pushedCrlSha256 ? { lastPushedSha256: t.pushedCrlSha256, lastPushedNumber: t.pushedCrlNumber, lastSuccessAt: now().toISOString() } : {}),
        };
        await store.register(target, CA_HOST_ACTOR);
        return viewOf(store.get(target.id) ?? target);
      });
    },
    async removeSyncTarget(t) {
      return withRegistry((reg) => reg.primary.remove(syncTargetId(t), CA_HOST_ACTOR));
    },
    async syncState() {
      return withRegistry(async (reg) => ({ live: false, alarm: undefined, targets: reg.primary.list().map(viewOf) }));
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
