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
 * Errors are `{code, message}` (docs/aws.md lists the codes).
 */
import express from 'express';
import type { Request, Response, NextFunction, Router } from 'express';
import { isRapkiError } from '../../../common/src/errors.js';
import { httpStatusOf } from '../errors.js';
import type { CrlSync } from './crl-sync.js';
import type { SyncTargetStore } from './target-store.js';
import { validateTargetInput } from './target-store.js';

const STATUS: Record<string, number> = {
  sync_target_invalid: 400,
  sync_target_not_found: 404,
  invalid_json: 400,
  body_too_large: 413,
};

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
    res.status(existing ? 200 : 201).set('Cache-Control', 'no-store').json({ target: sync.state().targets.find((t) => t.id === target.id) });
  });

  const remove = async (req: Request, res: Response): Promise<void> => {
    const id = String(req.params.id);
    if (!/^[0-9a-f]{16}$/.test(id) || !(await store.remove(id, actorOf(res)))) {
      res.status(404).json({ code: 'sync_target_not_found', message: 'no such CRL sync target' });
      return;
    }
    sync.forget(id);
    res.set('Cache-Control', 'no-store').json({ removed: true });
  };
  r.delete('/sync-targets/:id', remove);
  r.post('/sync-targets/:id/delete', remove);

  r.post('/push', (req, res) => {
    const body = (req.body ?? {}) as { targetId?: unknown };
    if (body.targetId !== undefined && (typeof body.targetId !== 'string' || !store.get(body.targetId))) {
      res.status(404).json({ code: 'sync_target_not_found', message: 'no such CRL sync target' });
      return;
    }
    sync.pushNow(body.targetId as string | undefined);
    res.status(202).set('Cache-Control', 'no-store').json({ state: sync.state() });
  });

  r.get('/status', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(sync.state());
  });

  r.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (isRapkiError(err)) {
      res.status(STATUS[err.code] ?? httpStatusOf(err.code)).json({ code: err.code, message: err.message });
      return;
    }
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large') {
      res.status(413).json({ code: 'body_too_large', message: 'request body too large' });
      return;
    }
    if (e.type === 'entity.parse.failed') {
      res.status(400).json({ code: 'invalid_json', message: 'request body is not valid JSON' });
      return;
    }
    next(err);
  });
  return r;
}
