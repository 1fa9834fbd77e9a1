/**
 * CRL operations: ImportCrl/Get/List/Update/Enable/Disable/Delete (API Reference, ImportCrl …).
 * `crlData` is base64 (Smithy blob) of PEM bytes, 1..300000 bytes; at most 2 CRLs per trust
 * anchor (User Guide, "Quotas").
 */
import { LIMITS, PATTERNS } from '../constants.js';
import { arnFor, isoNow, type EmulatorContext } from '../context.js';
import { parsePemCrl } from '../pki/crl.js';
import { constraintViolation, notFound, validation } from '../service-error.js';
import type { CrlRecord } from '../state/model.js';
import { paginate } from './pagination.js';
import { renderCrl } from './render.js';
import { applyTags } from './tags.js';
import type { CpHandler } from './types.js';
import { bool, resourceName, str, tags } from './validate.js';

/** Decodes and checks `crlData`; returns the canonical base64 form. */
function crlData(v: unknown): string {
  const b64 = str('crlData', v, { required: true })!;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64.replace(/\s+/g, ''))) throw validation('crlData must be base64-encoded', 'crl_not_base64');
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length < LIMITS.crlMinBytes) {
    throw constraintViolation('crlData', '', `Member must have length greater than or equal to ${LIMITS.crlMinBytes}`, 'crl_size');
  }
  if (bytes.length > LIMITS.crlMaxBytes) {
    throw constraintViolation('crlData', `[${bytes.length} bytes]`, `Member must have length less than or equal to ${LIMITS.crlMaxBytes}`, 'crl_size');
  }
  try {
    parsePemCrl(bytes);
  } catch {
    throw validation('Invalid CRL: crlData must be a PEM-encoded X.509 CRL', 'crl_not_pem');
  }
  return bytes.toString('base64');
}

export function findCrl(ctx: EmulatorContext, id: string): CrlRecord {
  const c = ctx.store.state.crls.find((x) => x.crlId === id);
  if (!c) throw notFound('CRL not found', 'crl_not_found');
  return c;
}

const respond = (c: CrlRecord, status = 200) => ({ status, body: { crl: renderCrl(c) } });

export const importCrl: CpHandler = (ctx, req) => {
  const b = req.body;
  const name = resourceName('name', b.name, true)!;
  const data = crlData(b.crlData);
  const taArn = str('trustAnchorArn', b.trustAnchorArn, { required: true, min: 1, max: LIMITS.arnMax, pattern: PATTERNS.trustAnchorArn })!;
  const enabled = bool('enabled', b.enabled) ?? false;
  const tagList = tags('tags', b.tags) ?? [];
  const s = ctx.store.state;
  if (!s.trustAnchors.some((t) => t.trustAnchorArn === taArn)) throw validation('Trust anchor not found', 'trust_anchor_not_found');
  if (s.crls.filter((c) => c.trustAnchorArn === taArn).length >= LIMITS.crlsPerTrustAnchor) {
    throw validation(`A trust anchor can have at most ${LIMITS.crlsPerTrustAnchor} CRLs`, 'crl_limit');
  }
  const id = ctx.newId();
  const now = isoNow(ctx);
  const c: CrlRecord = { crlId: id, crlArn: arnFor(ctx, 'crl', id), name, enabled, crlData: data, trustAnchorArn: taArn, createdAt: now, updatedAt: now };
  s.crls.push(c);
  if (tagList.length > 0) applyTags(ctx, c.crlArn, tagList);
  ctx.store.save();
  return respond(c, 201);
};

export const getCrl: CpHandler = (ctx, req) => respond(findCrl(ctx, req.params.id!));

export const listCrls: CpHandler = (ctx, req) => {
  const { page, nextToken } = paginate('crls', ctx.store.state.crls, req.query);
  return { status: 200, body: { crls: page.map(renderCrl), ...(nextToken ? { nextToken } : {}) } };
};

export const updateCrl: CpHandler = (ctx, req) => {
  const c = findCrl(ctx, req.params.id!);
  const name = resourceName('name', req.body.name, false);
  const data = req.body.crlData === undefined || req.body.crlData === null ? undefined : crlData(req.body.crlData);
  if (name !== undefined) c.name = name;
  if (data !== undefined) c.crlData = data;
  c.updatedAt = isoNow(ctx);
  ctx.store.save();
  return respond(c);
};

function setEnabled(enabled: boolean): CpHandler {
  return (ctx, req) => {
    const c = findCrl(ctx, req.params.id!);
    c.enabled = enabled;
    c.updatedAt = isoNow(ctx);
    ctx.store.save();
    return respond(c);
  };
}

export const enableCrl = setEnabled(true);
export const disableCrl = setEnabled(false);

export const deleteCrl: CpHandler = (ctx, req) => {
  const c = findCrl(ctx, req.params.id!);
  const s = ctx.store.state;
  s.crls = s.crls.filter((x) => x !== c);
  delete s.tags[c.crlArn];
  ctx.store.save();
  return respond(c);
};
