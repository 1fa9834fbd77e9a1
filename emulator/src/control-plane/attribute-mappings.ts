/**
 * PutAttributeMapping (`PUT /profiles/{id}/mappings`) and DeleteAttributeMapping
 * (`DELETE /profiles/{id}/mappings?certificateField=&specifiers=`) — current model, absent from
 * SDK 3.332 (API Reference, PutAttributeMapping). Put replaces the rules of one certificate field; Delete
 * removes the listed specifiers, or the whole field when none are listed.
 */
import { CERTIFICATE_FIELDS, LIMITS } from '../constants.js';
import { isoNow } from '../context.js';
import { constraintViolation } from '../service-error.js';
import { findProfile } from './profiles.js';
import { renderProfile } from './render.js';
import type { CpHandler } from './types.js';
import { bodyObject, list, str } from './validate.js';

function certificateField(v: unknown): string {
  const f = str('certificateField', v, { required: true })!;
  if (!(CERTIFICATE_FIELDS as readonly string[]).includes(f)) {
    throw constraintViolation('certificateField', f, `Member must satisfy enum value set: [${CERTIFICATE_FIELDS.join(', ')}]`);
  }
  return f;
}

const specifier = (member: string, v: unknown) => str(member, v, { required: true, min: 0, max: LIMITS.mappingSpecifierMax })!;

export const putAttributeMapping: CpHandler = (ctx, req) => {
  const field = certificateField(req.body.certificateField);
  const rules = list('mappingRules', req.body.mappingRules, { required: true })!.map((r, i) => ({
    specifier: specifier(`mappingRules.${i + 1}.member.specifier`, bodyObject(r).specifier),
  }));
  const p = findProfile(ctx, req.params.id!);
  const others = p.attributeMappings.filter((m) => m.certificateField !== field);
  p.attributeMappings = [...others, { certificateField: field, mappingRules: rules }];
  p.updatedAt = isoNow(ctx);
  ctx.store.save();
  return { status: 200, body: { profile: renderProfile(p) } };
};

export const deleteAttributeMapping: CpHandler = (ctx, req) => {
  const field = certificateField(req.query.get('certificateField') ?? undefined);
  const specifiers = req.query.getAll('specifiers').map((s, i) => specifier(`specifiers.${i + 1}.member`, s));
  const p = findProfile(ctx, req.params.id!);
  p.attributeMappings = p.attributeMappings
    .map((m) =>
      m.certificateField !== field
        ? m
        : specifiers.length === 0
          ? undefined
          : { ...m, mappingRules: m.mappingRules.filter((r) => !specifiers.includes(r.specifier)) },
    )
    .filter((m): m is NonNullable<typeof m> => m !== undefined && m.mappingRules.length > 0);
  p.updatedAt = isoNow(ctx);
  ctx.store.save();
  return { status: 200, body: { profile: renderProfile(p) } };
};
