/**
 * HTTP side of rotation (docs/rotation.md, docs/ca-api.md):
 *
 * - admin router, mounted at `/v1/admin/rotation` behind admin authentication (role admin):
 *   `GET /` → status (state, plan, sync of the second CRL slot); `GET /plan` → plan;
 *   `POST /start {keyType?, emergency?}`, `POST /finish {force?}`, `POST /abort {force?}`;
 * - `GET /v1/ca`, which during a rotation carries both roots (`roots`, `bundle`) and the next CA.
 *
 * Errors go to the app's error handler (ca-server/src/http/error-mapper.ts): rotation codes answer
 * `{code, message, details}` with their status from the registry.
 */
import express, { type Request, type Response, type Router } from 'express';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { caError } from '../errors.js';
import { jsonBody } from './validate.js';
import { CA_KEY_TYPES } from '../keys/generate-ca-key.js';
import { derToPem } from '../../../common/src/x509/pem.js';
import type { CaKeyType } from '../x509/types.js';
import type { IssuerSwitch } from '../rotation/issuer-switch.js';
import type { RotationManager } from '../rotation/manager.js';

function actorOf(res: Response): string {
  const who = res.locals.admin as { name?: string } | undefined;
  return `admin:${who?.name ?? 'unknown'}`;
}

function flags(req: Request, allowed: readonly string[]): Record<string, unknown> {
  const b = jsonBody(req);
  for (const k of Object.keys(b)) if (!allowed.includes(k)) throw caError('invalid_request', `Unknown field "${k.slice(0, 40)}".`);
  for (const k of ['force', 'emergency']) {
    if (b[k] !== undefined && typeof b[k] !== 'boolean') throw caError('invalid_request', `Field "${k}" must be a boolean.`);
  }
  if (b.keyType !== undefined && !(CA_KEY_TYPES as readonly unknown[]).includes(b.keyType)) {
    throw caError('invalid_request', `keyType must be one of ${CA_KEY_TYPES.join(', ')}.`);
  }
  return b;
}

export function rotationAdminRouter(manager: RotationManager): Router {
  const r = express.Router();
  const noStore = (res: Response): Response => res.set('Cache-Control', 'no-store');
  r.get('/', async (_req, res) => {
    noStore(res).json(await manager.status());
  });
  r.get('/plan', async (_req, res) => {
    noStore(res).json(await manager.plan());
  });
  r.post('/start', async (req, res) => {
    const b = flags(req, ['keyType', 'emergency']);
    noStore(res).json(await manager.start({ keyType: b.keyType as CaKeyType | undefined, emergency: b.emergency as boolean | undefined, actor: actorOf(res) }));
  });
  r.post('/finish', async (req, res) => {
    const b = flags(req, ['force']);
    noStore(res).json(await manager.finish({ force: b.force as boolean | undefined, actor: actorOf(res) }));
  });
  r.post('/abort', async (req, res) => {
    const b = flags(req, ['force']);
    const st = await manager.abort({ force: b.force as boolean | undefined, actor: actorOf(res) });
    noStore(res)
      .status(st.completed === false ? 202 : 200)
      .json(st);
  });
  return r;
}

/**
 * `GET /v1/ca`. `root`/`intermediates`/`issuer`/`fingerprint` keep describing the CA (what
 * the server's TLS certificate chains to and `ca.json` names) so existing clients are unchanged;
 * `roots` lists every root to trust (issuing CA's first) and `bundle` every CA certificate, so a
 * client that reads them trusts both CAs during the overlap; `rotation` names the next CA.
 */
export function rotationCaHandler(sw: IssuerSwitch, phase: () => string | undefined) {
  return (_req: Request, res: Response): void => {
    const p = sw.primary;
    const pem = (d: Uint8Array): string => derToPem(d, 'CERTIFICATE');
    const roots = sw.trustedRoots().map(pem);
    const intermediates = p.intermediates.map(pem);
    const allInters: string[] = [];
    for (const i of sw.trusted()) for (const d of i.intermediates) if (!allInters.includes(pem(d))) allInters.push(pem(d));
    const next = sw.next;
    res.setHeader('Cache-Control', next ? 'no-cache' : 'public, max-age=300');
    res.type('application/json').send(
      JSON.stringify({
        root: pem(p.root),
        intermediates,
        issuer: pem(sw.active().certificate),
        bundle: roots.join('') + allInters.join(''),
        fingerprint: sha256Fingerprint(p.root),
        roots,
        rotation: next
          ? {
              phase: phase() ?? null,
              issuing: sw.issuingNext ? 'new' : 'old',
              next: { root: pem(next.root), intermediates: next.intermediates.map(pem), fingerprint: sha256Fingerprint(next.root) },
            }
          : null,
      }),
    );
  };
}
