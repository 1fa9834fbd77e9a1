/**
 * Trust-anchor operations: Create/Get/List/Update/Enable/Disable/Delete (API Reference,
 * CreateTrustAnchor …). A CERTIFICATE_BUNDLE source must hold 1..2 PEM CA certificates (keyCertSign, CA:true,
 * SHA-256 or stronger), at most 8000 characters (User Guide, "Trust model" and "Quotas").
 */
import { LIMITS, MESSAGES, PATTERNS, SOURCE_TYPES } from '../constants.js';
import { arnFor, isoNow, type EmulatorContext } from '../context.js';
import { hasKeyUsage, KeyUsageFlags, parseCertificate, pemCertificatesToDer } from '../pki/certificate.js';
import { constraintViolation, notFound, validation } from '../service-error.js';
import type { TrustAnchorRecord } from '../state/model.js';
import { defaultNotificationSettings, mergeNotificationSettings } from './notification-settings.js';
import { paginate } from './pagination.js';
import { renderTrustAnchor } from './render.js';
import { applyTags } from './tags.js';
import type { CpHandler } from './types.js';
import { bodyObject, bool, requireField, resourceName, str, tags } from './validate.js';

/** Validates a `source` union and returns it normalised. */
export function validateSource(input: unknown): TrustAnchorRecord['source'] {
  const src = bodyObject(requireField('source', input));
  const sourceType = str('source.sourceType', src.sourceType, { required: true })!;
  if (!(SOURCE_TYPES as readonly string[]).includes(sourceType)) {
    throw constraintViolation('source.sourceType', sourceType, `Member must satisfy enum value set: [${SOURCE_TYPES.join(', ')}]`);
  }
  const data = bodyObject(requireField('source.sourceData', src.sourceData));
  const keys = Object.keys(data).filter((k) => data[k] !== undefined && data[k] !== null);
  if (keys.length !== 1) throw validation('sourceData must set exactly one of x509CertificateData or acmPcaArn');
  if (sourceType === 'CERTIFICATE_BUNDLE') {
    const pem = str('source.sourceData.x509CertificateData', data.x509CertificateData, {
      required: true,
      min: 1,
      max: LIMITS.x509CertificateDataMaxChars,
    })!;
    let ders: Buffer[];
    try {
      ders = pemCertificatesToDer(pem);
    } catch {
      throw validation('Invalid certificate bundle: only PEM CERTIFICATE blocks are allowed', 'invalid_bundle');
    }
    if (ders.length === 0) throw validation('Invalid certificate bundle: no PEM certificate found', 'invalid_bundle');
    if (ders.length > LIMITS.certificatesPerBundle) {
      throw validation(`A trust anchor certificate bundle can contain at most ${LIMITS.certificatesPerBundle} certificates`, 'bundle_too_many_certificates');
    }
    for (const der of ders) {
      let c;
      try {
        c = parseCertificate(der);
      } catch {
        throw validation('Invalid certificate bundle: a certificate could not be parsed', 'invalid_bundle');
      }
      if (c.version !== 3) throw validation('Trust anchor certificates must be X.509 v3', 'anchor_not_v3');
      if (c.isCa !== true) throw validation(MESSAGES.incorrectBasicConstraints, 'anchor_not_ca');
      if (!hasKeyUsage(c, KeyUsageFlags.keyCertSign)) {
        throw validation('Trust anchor certificates must have the keyCertSign key usage', 'anchor_missing_key_cert_sign');
      }
      if (!c.strongSignature) {
        throw validation('Trust anchor certificates must be signed with SHA-256 or stronger', 'anchor_weak_signature');
      }
    }
    return { sourceType, sourceData: { x509CertificateData: pem } };
  }
  if (sourceType === 'AWS_ACM_PCA') {
    const arn = str('source.sourceData.acmPcaArn', data.acmPcaArn, { required: true, min: 1, max: LIMITS.arnMax, pattern: PATTERNS.acmPcaArn })!;
    return { sourceType, sourceData: { acmPcaArn: arn } };
  }
  throw validation(`Source type ${sourceType} is not supported`, 'source_type_not_supported');
}

export function findTrustAnchor(ctx: EmulatorContext, id: string): TrustAnchorRecord {
  const ta = ctx.store.state.trustAnchors.find((t) => t.trustAnchorId === id);
  if (!ta) throw notFound('Trust anchor not found', 'trust_anchor_not_found');
  return ta;
}

const respond = (ta: TrustAnchorRecord, status = 200) => ({ status, body: { trustAnchor: renderTrustAnchor(ta) } });

export const createTrustAnchor: CpHandler = (ctx, req) => {
  const b = req.body;
  const name = resourceName('name', b.name, true)!;
  const source = validateSource(b.source);
  const enabled = bool('enabled', b.enabled) ?? false;
  const tagList = tags('tags', b.tags) ?? [];
  const settings = mergeNotificationSettings(ctx, defaultNotificationSettings(), b.notificationSettings, 'notificationSettings');
  if (ctx.store.state.trustAnchors.length >= LIMITS.trustAnchors) {
    throw validation(`Cannot create more than ${LIMITS.trustAnchors} trust anchors in this account and region`, 'trust_anchor_limit');
  }
  const id = ctx.newId();
  const now = isoNow(ctx);
  const ta: TrustAnchorRecord = {
    trustAnchorId: id,
    trustAnchorArn: arnFor(ctx, 'trust-anchor', id),
    name,
    source,
    enabled,
    createdAt: now,
    updatedAt: now,
    notificationSettings: settings,
  };
  ctx.store.state.trustAnchors.push(ta);
  if (tagList.length > 0) applyTags(ctx, ta.trustAnchorArn, tagList);
  ctx.store.save();
  return respond(ta, 201);
};

export const getTrustAnchor: CpHandler = (ctx, req) => respond(findTrustAnchor(ctx, req.params.id!));

export const listTrustAnchors: CpHandler = (ctx, req) => {
  const { page, nextToken } = paginate('trustanchors', ctx.store.state.trustAnchors, req.query);
  return { status: 200, body: { trustAnchors: page.map(renderTrustAnchor), ...(nextToken ? { nextToken } : {}) } };
};

export const updateTrustAnchor: CpHandler = (ctx, req) => {
  const ta = findTrustAnchor(ctx, req.params.id!);
  const name = resourceName('name', req.body.name, false);
  const source = req.body.source === undefined || req.body.source === null ? undefined : validateSource(req.body.source);
  if (name !== undefined) ta.name = name;
  if (source !== undefined) ta.source = source;
  ta.updatedAt = isoNow(ctx);
  ctx.store.save();
  return respond(ta);
};

function setEnabled(enabled: boolean): CpHandler {
  return (ctx, req) => {
    const ta = findTrustAnchor(ctx, req.params.id!);
    ta.enabled = enabled;
    ta.updatedAt = isoNow(ctx);
    ctx.store.save();
    return respond(ta);
  };
}

export const enableTrustAnchor = setEnabled(true);
export const disableTrustAnchor = setEnabled(false);

export const deleteTrustAnchor: CpHandler = (ctx, req) => {
  const ta = findTrustAnchor(ctx, req.params.id!);
  const s = ctx.store.state;
  s.trustAnchors = s.trustAnchors.filter((t) => t !== ta);
  delete s.tags[ta.trustAnchorArn];
  ctx.store.save();
  return respond(ta);
};
