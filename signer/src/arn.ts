import { SignerError } from './errors.js';

/** The parts of an ARN (`arn:partition:service:region:account:resource`). */
export interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  /** Everything after the fifth colon, e.g. `trust-anchor/UUID`, `role/path/Name`. */
  readonly resource: string;
}

const ARN = /^arn:(aws(?:-[a-z0-9-]+)?):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/;
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const TRUST_ANCHOR_RESOURCE = new RegExp(`^trust-anchor/${UUID}$`);
const PROFILE_RESOURCE = new RegExp(`^profile/${UUID}$`);
/** IAM role path and name (IAM API reference, CreateRole: path `/…/`, name `[\w+=,.@-]{1,64}`). */
const ROLE_RESOURCE = /^role\/(?:[\x21-\x7e]*\/)?[\w+=,.@-]{1,64}$/;

/** Generic split of an ARN; null when it is not `arn:aws[-x]:service:region:account:resource`. */
export function parseArn(arn: string): ParsedArn | null {
  if (arn.length > 2048) return null;
  const m = ARN.exec(arn);
  if (!m) return null;
  return { partition: m[1] as string, service: m[2] as string, region: m[3] as string, accountId: m[4] as string, resource: m[5] as string };
}

/** Which ARN a flag expects, for messages. */
export type ArnKind = 'trust-anchor' | 'profile' | 'role';

const FLAG: Record<ArnKind, string> = {
  'trust-anchor': '--trust-anchor-arn',
  profile: '--profile-arn',
  role: '--role-arn',
};
const EXAMPLE: Record<ArnKind, string> = {
  'trust-anchor': 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/<uuid>',
  profile: 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/<uuid>',
  role: 'arn:aws:iam::123456789012:role/<name>',
};

/**
 * Parses and checks an ARN of the given kind (patterns of the Roles Anywhere API model, tightened to the
 * shapes the service issues): Roles Anywhere ARNs need a region, a 12-digit account and
 * `trust-anchor/UUID` or `profile/UUID`; role ARNs are `iam` with an empty region and `role/…`.
 * Throws SignerError `invalid_arn` naming the flag and showing the expected shape.
 */
export function parseArnOf(kind: ArnKind, arn: string): ParsedArn {
  const parsed = parseArn(arn);
  const ok =
    parsed !== null &&
    parsed.accountId.length === 12 &&
    (kind === 'role'
      ? parsed.service === 'iam' && parsed.region === '' && ROLE_RESOURCE.test(parsed.resource)
      : parsed.service === 'rolesanywhere' &&
        REGION.test(parsed.region) &&
        (kind === 'trust-anchor' ? TRUST_ANCHOR_RESOURCE : PROFILE_RESOURCE).test(parsed.resource));
  if (!ok || parsed === null) {
    const shown = arn.length > 200 ? `${arn.slice(0, 200)}…` : arn;
    throw new SignerError('invalid_arn', `${FLAG[kind]} ${JSON.stringify(shown)} is not a ${kind} ARN; expected ${EXAMPLE[kind]}.`, { details: { kind } });
  }
  return parsed;
}

/** The role name (last path segment) of a role ARN, as `serve` reports it. */
export function roleNameOf(roleArn: string): string {
  const parsed = parseArnOf('role', roleArn);
  const segments = parsed.resource.split('/');
  return segments[segments.length - 1] as string;
}
