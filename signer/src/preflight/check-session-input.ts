import { MAX_DURATION_SECONDS, MIN_DURATION_SECONDS } from '../constants.js';
import { parseArnOf } from '../arn.js';
import { SignerError } from '../errors.js';
import type { SessionOptions } from '../types.js';

/** The request inputs checked before signing: the session options, with the duration resolved. */
export type SessionInputToCheck = Pick<SessionOptions, 'trustAnchorArn' | 'profileArn' | 'roleArn' | 'region' | 'roleSessionName'> & {
  readonly durationSeconds: number;
};

/** Results of the input checks. */
export interface CheckedSessionInput {
  /** The signing region: `--region`, or the trust anchor's region. */
  readonly region: string;
  readonly partition: string;
}

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
/** STS RoleSessionName (AssumeRole API reference): 2..64 of `[\w+=,.@-]`. */
const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * Checks ARNs, region agreement, duration and role session name (Roles Anywhere User Guide,
 * "CreateSession API") so that a typo is reported locally, with the flag to fix, instead of as a 4xx
 * from the service.
 */
export function checkSessionInput(input: SessionInputToCheck): CheckedSessionInput {
  const anchor = parseArnOf('trust-anchor', input.trustAnchorArn);
  const profile = parseArnOf('profile', input.profileArn);
  parseArnOf('role', input.roleArn);
  if (anchor.region !== profile.region) {
    throw new SignerError(
      'region_mismatch',
      `The trust anchor is in ${anchor.region} but the profile is in ${profile.region}; both must be in the same region (use the profile created next to the trust anchor).`,
    );
  }
  if (anchor.partition !== profile.partition) {
    throw new SignerError('region_mismatch', `The trust anchor (${anchor.partition}) and profile (${profile.partition}) are in different partitions.`);
  }
  const region = input.region ?? anchor.region;
  if (!REGION.test(region)) {
    throw new SignerError(
      'invalid_region',
      `--region ${JSON.stringify(region)} is not a region name like us-east-1 (for FIPS use --use-fips-endpoint, not a -fips region).`,
    );
  }
  const d = input.durationSeconds;
  if (!Number.isInteger(d) || d < MIN_DURATION_SECONDS || d > MAX_DURATION_SECONDS) {
    throw new SignerError(
      'duration_invalid',
      `--session-duration ${String(d)} is outside ${MIN_DURATION_SECONDS}..${MAX_DURATION_SECONDS} seconds; pick a whole number of seconds in that range (default 3600).`,
    );
  }
  if (input.roleSessionName !== undefined && input.roleSessionName !== '' && !ROLE_SESSION_NAME.test(input.roleSessionName)) {
    throw new SignerError(
      'invalid_role_session_name',
      '--role-session-name must be 2 to 64 characters of letters, digits and _+=,.@- (the STS RoleSessionName rule).',
    );
  }
  return { region, partition: anchor.partition };
}
