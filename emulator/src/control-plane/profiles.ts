/**
 * Profile operations: Create/Get/List/Update/Enable/Disable/Delete, with the current model's
 * `acceptRoleSessionName` and `attributeMappings` (API Reference, CreateProfile). Roles must be
 * IAM role ARNs of the emulated account.
 */
import { LIMITS, PATTERNS } from '../constants.js';
import { arnFor, isoNow, type EmulatorContext } from '../context.js';
import { notFound, validation } from '../service-error.js';
import type { AttributeMapping, ProfileRecord } from '../state/model.js';
import { paginate } from './pagination.js';
import { renderProfile } from './render.js';
import { applyTags } from './tags.js';
import type { CpHandler } from './types.js';
import { bool, int, list, resourceName, str, tags } from './validate.js';

/** Default mappings of a new profile (User Guide, "Certificate attribute mapping"). */
export function defaultAttributeMappings(): AttributeMapping[] {
  return [
    { certificateField: 'x509Subject', mappingRules: [{ specifier: '*' }] },
    { certificateField: 'x509Issuer', mappingRules: [{ specifier: '*' }] },
    { certificateField: 'x509SAN', mappingRules: [{ specifier: 'DNS' }, { specifier: 'URI' }, { specifier: 'Name/*' }] },
  ];
}

function roleArns(ctx: EmulatorContext, v: unknown, required: boolean): string[] | undefined {
  const items = list('roleArns', v, { required, max: LIMITS.roleArnsPerProfile });
  return items?.map((r, i) => {
    const arn = str(`roleArns.${i + 1}.member`, r, { required: true, min: 1, max: LIMITS.arnMax, pattern: PATTERNS.roleArn })!;
    const account = arn.split(':')[4];
    if (account !== ctx.accountId) {
      throw validation(`Role ${arn} does not belong to account ${ctx.accountId}`, 'role_wrong_account');
    }
    return arn;
  });
}

function managedPolicyArns(v: unknown): string[] | undefined {
  return list('managedPolicyArns', v, { max: LIMITS.managedPolicyArnsPerProfile })?.map((a, i) =>
    str(`managedPolicyArns.${i + 1}.member`, a, { required: true, min: 1, max: LIMITS.arnMax, pattern: /^arn:aws(-[^:]+)?:iam::/ })!,
  );
}

const duration = (v: unknown) => int('durationSeconds', v, LIMITS.durationMin, LIMITS.durationMax);

export function findProfile(ctx: EmulatorContext, id: string): ProfileRecord {
  const p = ctx.store.state.profiles.find((x) => x.profileId === id);
  if (!p) throw notFound('Profile not found', 'profile_not_found');
  return p;
}

const respond = (p: ProfileRecord, status = 200) => ({ status, body: { profile: renderProfile(p) } });

export const createProfile: CpHandler = (ctx, req) => {
  const b = req.body;
  const name = resourceName('name', b.name, true)!;
  const roles = roleArns(ctx, b.roleArns, true)!;
  const policies = managedPolicyArns(b.managedPolicyArns) ?? [];
  const sessionPolicy = str('sessionPolicy', b.sessionPolicy, { max: LIMITS.sessionPolicyMaxChars });
  const durationSeconds = duration(b.durationSeconds) ?? LIMITS.durationDefault;
  const enabled = bool('enabled', b.enabled) ?? false;
  const requireInstanceProperties = bool('requireInstanceProperties', b.requireInstanceProperties) ?? false;
  const acceptRoleSessionName = bool('acceptRoleSessionName', b.acceptRoleSessionName) ?? false;
  const tagList = tags('tags', b.tags) ?? [];
  if (ctx.store.state.profiles.length >= LIMITS.profiles) {
    throw validation(`Cannot create more than ${LIMITS.profiles} profiles in this account and region`, 'profile_limit');
  }
  const id = ctx.newId();
  const now = isoNow(ctx);
  const p: ProfileRecord = {
    profileId: id,
    profileArn: arnFor(ctx, 'profile', id),
    name,
    requireInstanceProperties,
    enabled,
    createdBy: req.callerArn,
    ...(sessionPolicy !== undefined ? { sessionPolicy } : {}),
    roleArns: roles,
    managedPolicyArns: policies,
    createdAt: now,
    updatedAt: now,
    durationSeconds,
    acceptRoleSessionName,
    attributeMappings: defaultAttributeMappings(),
  };
  ctx.store.state.profiles.push(p);
  if (tagList.length > 0) applyTags(ctx, p.profileArn, tagList);
  ctx.store.save();
  return respond(p, 201);
};

export const getProfile: CpHandler = (ctx, req) => respond(findProfile(ctx, req.params.id!));

export const listProfiles: CpHandler = (ctx, req) => {
  const { page, nextToken } = paginate('profiles', ctx.store.state.profiles, req.query);
  return { status: 200, body: { profiles: page.map(renderProfile), ...(nextToken ? { nextToken } : {}) } };
};

export const updateProfile: CpHandler = (ctx, req) => {
  const p = findProfile(ctx, req.params.id!);
  const b = req.body;
  const name = resourceName('name', b.name, false);
  const roles = roleArns(ctx, b.roleArns, false);
  const policies = managedPolicyArns(b.managedPolicyArns);
  const sessionPolicy = str('sessionPolicy', b.sessionPolicy, { min: 1, max: LIMITS.sessionPolicyMaxChars });
  const durationSeconds = duration(b.durationSeconds);
  const accept = bool('acceptRoleSessionName', b.acceptRoleSessionName);
  if (name !== undefined) p.name = name;
  if (roles !== undefined) p.roleArns = roles;
  if (policies !== undefined) p.managedPolicyArns = policies;
  if (sessionPolicy !== undefined) p.sessionPolicy = sessionPolicy;
  if (durationSeconds !== undefined) p.durationSeconds = durationSeconds;
  if (accept !== undefined) p.acceptRoleSessionName = accept;
  p.updatedAt = isoNow(ctx);
  ctx.store.save();
  return respond(p);
};

function setEnabled(enabled: boolean): CpHandler {
  return (ctx, req) => {
    const p = findProfile(ctx, req.params.id!);
    p.enabled = enabled;
    p.updatedAt = isoNow(ctx);
    ctx.store.save();
    return respond(p);
  };
}

export const enableProfile = setEnabled(true);
export const disableProfile = setEnabled(false);

export const deleteProfile: CpHandler = (ctx, req) => {
  const p = findProfile(ctx, req.params.id!);
  const s = ctx.store.state;
  s.profiles = s.profiles.filter((x) => x !== p);
  delete s.tags[p.profileArn];
  ctx.store.save();
  return respond(p);
};
