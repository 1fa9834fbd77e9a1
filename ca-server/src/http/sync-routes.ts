/**
 * Admin routes of the CRL sync, mounted by the CA server under `/v1/admin/aws` behind its admin
 * authentication (this router does no authentication of its own):
 *
 * - `GET  /sync-targets`             → `{targets: TargetState[]}`
 * - `POST /sync-targets` `{trustAnchorArn, region, crlArn?, endpoint?, pushedCrlSha256?, pushedCrlNumber?}`
 *   → 201 `{target}` (200 when it existed: the same anchor, region and endpoint give the same target).
 *   A push of the current CRL starts unless the caller confirmed (pushedCrlSha256) that AWS holds it.
 * - `DELETE /sync-targets/{id}` (or `POST /sync-targets/{id}/delete`) → `{removed: true}`
 * - `POST /push` `{targetId?}`       → 202 `{state}` (push the current CRL now)
 * - `GET  /status`                   → the whole `SyncState` (`rapki aws status`)
 *
 * Errors go to the app's error handler (ca-server/src/http/error-mapper.ts): `{code, message}` with
 * the status from the registry (docs/aws.md lists the codes).
 */
import express from 'express';
import type { Request, Response, Router } from 'express';
import { awsError } from '../../../common/src/aws/errors.js';
import type { CrlSync } from '../sync/crl-sync.js';
import type { SyncTargetStore } from '../sync/target-store.js';
import { validateTargetInput } from '../sync/target-store.js';

/**
 * The router; `now` is injectable for tests; `actorOf` names who registers or removes a target in
 * the audit log (the CA app passes its admin principal's actor).
 */
export function createSyncRouter(
  sync: CrlSync,
  store: SyncTargetStore,
  now: () => Date = () => new Date(),
  actorOf: (res: Response) => string = () => 'system',
): Router {
  const r = express.Router();
  r.use(express.json({ limit: '16kb', strict: true }));

  r.get('/sync-targets', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ targets: sync.state().targets });
  });

  r.post('/sync-targets', async (req, res) => {
    const input = validateTargetInput(req.body ?? {}, now());
    const existing = store.get(input.id);
    // Keep what the sync learnt (crlArn, last push) when the same anchor is registered again.
    const target = existing
      ? {
          ...existing,
          crlArn: input.crlArn ?? existing.crlArn,
          ...(input.lastPushedSha256 !== undefined
            ? { lastPushedSha256: input.lastPushedSha256, lastPushedNumber: input.lastPushedNumber, lastSuccessAt: input.lastSuccessAt }
            : {}),
        }
      : input;
    await store.register(target, actorOf(res));
    sync.ensure(target.id);
    res
      .status(existing ? 200 : 201)
      .set('Cache-Control', 'no-store')
      .json({ target: sync.state().targets.find((t) => t.id === target.id) });
  });

  const remove = async (req: Request, res: Response): Promise<void> => {
    const id = String(req.params.id);
    if (!/^[0-9a-f]{16}$/.test(id) || !(await store.remove(id, actorOf(res)))) {
      throw awsError('sync_target_not_found');
    }
    sync.forget(id);
    res.set('Cache-Control', 'no-store').json({ removed: true });
  };
  r.delete('/sync-targets/:id', remove);
  r.post('/sync-targets/:id/delete', remove);

  r.post('/push', (req, res) => {
    const body = (req.body ?? {}) as { targetId?: unknown };
    if (body.targetId !== undefined && (typeof body.targetId !== 'string' || !store.get(body.targetId))) {
      throw awsError('sync_target_not_found');
    }
    sync.pushNow(body.targetId as string | undefined);
    res.status(202).set('Cache-Control', 'no-store').json({ state: sync.state() });
  });

  r.get('/status', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(sync.state());
  });

  return r;
}
