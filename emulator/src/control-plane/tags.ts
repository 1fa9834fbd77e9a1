/** TagResource / UntagResource / ListTagsForResource, and the tag store used by the creates. */
import { LIMITS } from '../constants.js';
import type { EmulatorContext } from '../context.js';
import { notFound, ServiceError } from '../service-error.js';
import type { CpHandler } from './types.js';
import { list, str, tags as tagList } from './validate.js';

function resourceExists(ctx: EmulatorContext, arn: string): boolean {
  const s = ctx.store.state;
  return s.trustAnchors.some((t) => t.trustAnchorArn === arn) || s.profiles.some((p) => p.profileArn === arn) || s.crls.some((c) => c.crlArn === arn);
}

/** Merges `add` into the tags of `arn` (same key → new value); enforces the per-resource limit. */
export function applyTags(ctx: EmulatorContext, arn: string, add: { key: string; value: string }[]): void {
  const current = [...(ctx.store.state.tags[arn] ?? [])];
  for (const t of add) {
    const i = current.findIndex((c) => c.key === t.key);
    if (i === -1) current.push(t);
    else current[i] = t;
  }
  if (current.length > LIMITS.tagsPerResource) {
    throw new ServiceError(400, 'TooManyTagsException', `Resource ${arn} cannot have more than ${LIMITS.tagsPerResource} tags`, 'too_many_tags');
  }
  ctx.store.state.tags[arn] = current;
}

export const tagResource: CpHandler = (ctx, req) => {
  const arn = str('resourceArn', req.body.resourceArn, { required: true, min: 1, max: LIMITS.arnMax })!;
  const add = tagList('tags', req.body.tags) ?? [];
  if (req.body.tags === undefined) list('tags', undefined, { required: true });
  if (!resourceExists(ctx, arn)) throw notFound('Resource not found', 'resource_not_found');
  applyTags(ctx, arn, add);
  ctx.store.save();
  return { status: 201, body: {} };
};

export const untagResource: CpHandler = (ctx, req) => {
  const arn = str('resourceArn', req.body.resourceArn, { required: true, min: 1, max: LIMITS.arnMax })!;
  const keys = list('tagKeys', req.body.tagKeys, { required: true, max: LIMITS.tagsPerResource })!.map((k, i) =>
    str(`tagKeys.${i + 1}.member`, k, { required: true, min: 1, max: LIMITS.tagKeyMax })!,
  );
  if (!resourceExists(ctx, arn)) throw notFound('Resource not found', 'resource_not_found');
  ctx.store.state.tags[arn] = (ctx.store.state.tags[arn] ?? []).filter((t) => !keys.includes(t.key));
  ctx.store.save();
  return { status: 200, body: {} };
};

export const listTagsForResource: CpHandler = (ctx, req) => {
  const arn = str('resourceArn', req.query.get('resourceArn') ?? undefined, { required: true, min: 1, max: LIMITS.arnMax })!;
  if (!resourceExists(ctx, arn)) throw notFound('Resource not found', 'resource_not_found');
  return { status: 200, body: { tags: ctx.store.state.tags[arn] ?? [] } };
};
