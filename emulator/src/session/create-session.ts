/**
 * `POST /sessions`: verifies a CreateSession request in the real service's order (User Guide,
 * "Authentication", "Trust model", "CreateSession API"; docs/emulator.md) and mints credentials:
 * signature → X-Amz-Date window → chain to an enabled trust anchor → leaf requirements →
 * revocation by the anchor's enabled CRLs → profile enabled → role in profile → duration →
 * roleSessionName → session tags. Responds 201 with the exact credentialSet shape.
 */
import { formatAmzDate } from '../auth/authorization-header.js';
import { CREATE_SESSION_MAX_SKEW_MS, LIMITS, MESSAGES, PATTERNS, SESSION_RETENTION_AFTER_EXPIRY_MS } from '../constants.js';
import type { EmulatorContext } from '../context.js';
import type { WireRequest } from '../http/wire-request.js';
import { hasKeyUsage, KeyUsageFlags, parseCertificate, pemCertificatesToDer, type ParsedCertificate } from '../pki/certificate.js';
import { validateChain } from '../pki/chain.js';
import { findRevoked, parsePemCrl, type ParsedCrl } from '../pki/crl.js';
import { accessDenied, constraintViolation, notFound, ServiceError, validation } from '../service-error.js';
import type { TrustAnchorRecord } from '../state/model.js';
import { mintCredentials, roleId, sha256Hex } from '../sts/mint.js';
import { defaultRoleSessionName, sessionTags, sourceIdentity } from './attributes.js';
import { parseCreateSessionParams } from './parameters.js';
import { recordSubject } from './subjects.js';
import { verifyX509Signature } from './verify-x509-signature.js';

const untrusted = (reason: string) => accessDenied(MESSAGES.untrusted, reason);

/** STS session-tag value pattern; values outside it cannot become principal tags. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function checkDateWindow(ctx: EmulatorContext, amzDate: Date, raw: string): void {
  const now = ctx.clock.now();
  const diff = amzDate.getTime() - now.getTime();
  if (Math.abs(diff) > CREATE_SESSION_MAX_SKEW_MS) {
    const edge = new Date(now.getTime() + (diff < 0 ? -CREATE_SESSION_MAX_SKEW_MS : CREATE_SESSION_MAX_SKEW_MS));
    const msg =
      diff < 0
        ? `Signature expired: ${raw} is now earlier than ${formatAmzDate(edge)} (${formatAmzDate(now)} - 5 min.)`
        : `Signature not yet current: ${raw} is still later than ${formatAmzDate(edge)} (${formatAmzDate(now)} + 5 min.)`;
    throw accessDenied(msg, 'stale_date');
  }
}

function anchorCertificates(ta: TrustAnchorRecord): ParsedCertificate[] {
  const pem = ta.source.sourceData.x509CertificateData;
  if (pem === undefined) throw untrusted('acm_pca_not_emulated');
  return pemCertificatesToDer(pem).map(parseCertificate);
}

function checkLeaf(leaf: ParsedCertificate): void {
  if (leaf.version !== 3) throw untrusted('leaf_not_v3');
  if (leaf.isCa === true) throw untrusted('leaf_is_ca');
  if (!hasKeyUsage(leaf, KeyUsageFlags.digitalSignature)) throw untrusted('leaf_missing_digital_signature');
  if (!leaf.strongSignature) throw untrusted('leaf_weak_signature_algorithm');
  if (leaf.subject.length === 0) throw untrusted('leaf_empty_subject');
}

export function createSession(ctx: EmulatorContext, wire: WireRequest): { status: number; body: unknown } {
  const sig = verifyX509Signature(wire, ctx.region);
  checkDateWindow(ctx, sig.amzDate, sig.rawAmzDate);
  const params = parseCreateSessionParams(wire);
  const state = ctx.store.state;
  const now = ctx.clock.now();

  // Chain to an enabled trust anchor.
  const ta = state.trustAnchors.find((t) => t.trustAnchorArn === params.trustAnchorArn);
  if (!ta) throw untrusted('trust_anchor_not_found');
  if (!ta.enabled) throw untrusted('trust_anchor_disabled');
  let chain: ParsedCertificate[];
  try {
    chain = sig.chainDer.map(parseCertificate);
  } catch {
    throw untrusted('malformed_chain');
  }
  const result = validateChain(sig.leaf, chain, anchorCertificates(ta), now);
  if (!result.ok) throw untrusted(result.reason);
  checkLeaf(sig.leaf);

  // Revocation: imported, enabled CRLs of this anchor only.
  const crls: ParsedCrl[] = [];
  for (const c of state.crls) {
    if (c.trustAnchorArn !== ta.trustAnchorArn || !c.enabled) continue;
    try {
      crls.push(parsePemCrl(Buffer.from(c.crlData, 'base64')));
    } catch {
      /* validated at import; ignore if unreadable */
    }
  }
  if (findRevoked(result.path, crls)) throw accessDenied(MESSAGES.revoked, 'certificate_revoked');

  // From here on the certificate is authentic: failures are recorded on the Subject.
  try {
    const out = authorize(ctx, params, sig.leaf, ta);
    const subject = recordSubject(ctx, sig.leaf, false, params.instanceProperties);
    out.session.subjectArn = subject.subjectArn;
    // Keep the state small: forget sessions a day after they expired (STS then answers
    // InvalidClientTokenId for them instead of ExpiredToken).
    const horizon = now.getTime() - SESSION_RETENTION_AFTER_EXPIRY_MS;
    state.sessions = state.sessions.filter((s) => new Date(s.expiration).getTime() > horizon);
    state.sessions.push(out.session);
    ctx.store.save();
    const s = out.session;
    return {
      status: 201,
      body: {
        credentialSet: [
          {
            assumedRoleUser: { arn: s.assumedRoleArn, assumedRoleId: s.assumedRoleId },
            credentials: {
              accessKeyId: s.accessKeyId,
              secretAccessKey: s.secretAccessKey,
              sessionToken: out.sessionToken,
              expiration: s.expiration,
            },
            packedPolicySize: out.packedPolicySize,
            roleArn: s.roleArn,
            sourceIdentity: s.sourceIdentity,
          },
        ],
        subjectArn: subject.subjectArn,
      },
    };
  } catch (err) {
    if (err instanceof ServiceError) {
      recordSubject(ctx, sig.leaf, true, params.instanceProperties);
      ctx.store.save();
    }
    throw err;
  }
}

function authorize(ctx: EmulatorContext, params: ReturnType<typeof parseCreateSessionParams>, leaf: ParsedCertificate, ta: TrustAnchorRecord) {
  const profile = ctx.store.state.profiles.find((p) => p.profileArn === params.profileArn);
  if (!profile) throw notFound('Profile not found', 'profile_not_found');
  if (!profile.enabled) throw accessDenied('Profile is disabled', 'profile_disabled');
  if (!profile.roleArns.includes(params.roleArn)) {
    throw accessDenied(`Not authorized to assume role ${params.roleArn}.`, 'role_not_in_profile');
  }

  // Duration: min(profile, request ?? profile), refused above the role's MaxSessionDuration.
  const finalDuration = Math.min(profile.durationSeconds, params.durationSeconds ?? profile.durationSeconds);
  const roleName = params.roleArn.slice(params.roleArn.lastIndexOf('/') + 1);
  const roleMax = ctx.roleMaxSessionDuration[roleName] ?? LIMITS.roleMaxSessionDurationDefault;
  if (finalDuration > roleMax) throw validation(MESSAGES.exceedsRoleMax, 'duration_exceeds_role_max');

  // Role session name: only when the profile accepts it; STS rules apply.
  let roleSessionName = defaultRoleSessionName(leaf);
  if (params.roleSessionName !== undefined) {
    if (!profile.acceptRoleSessionName) throw accessDenied(MESSAGES.roleSessionNameNotAuthorized, 'role_session_name_not_accepted');
    const n = params.roleSessionName;
    if (n.length < LIMITS.roleSessionNameMin || n.length > LIMITS.roleSessionNameMax) {
      throw constraintViolation(
        'roleSessionName',
        n,
        `Member must have length between ${LIMITS.roleSessionNameMin} and ${LIMITS.roleSessionNameMax}`,
        'invalid_role_session_name',
      );
    }
    if (!PATTERNS.roleSessionName.test(n)) {
      throw constraintViolation(
        'roleSessionName',
        n,
        `Member must satisfy regular expression pattern: ${PATTERNS.roleSessionName.source}`,
        'invalid_role_session_name',
      );
    }
    roleSessionName = n;
  }

  // Session tags from the attribute mappings; unmappable values refuse the session (#77).
  const tags = sessionTags(leaf, profile.attributeMappings);
  const bad = Object.entries(tags).filter(([k, v]) => !TAG_VALUE.test(v) || v.length > 256 || k.length > 128);
  if (bad.length > 0) {
    const list = (field: string) =>
      bad
        .filter(([k]) => k.startsWith(`${field}/`))
        .map(([k]) => k.slice(field.length + 1))
        .join(' ');
    throw accessDenied(
      `Unable to assume role for ${params.roleArn}. Some attributes failed to be mapped into session tags. Issuer: [ ${list('x509Issuer')} ]; Subject: [ ${list('x509Subject')} ]; SAN: [ ${list('x509SAN')} ]`,
      'session_tags_unmappable',
    );
  }

  const minted = mintCredentials(ctx.randomBytes);
  const issuedAt = ctx.clock.now();
  const expiration = new Date(issuedAt.getTime() + finalDuration * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const assumedRoleId = `${roleId(params.roleArn)}:${roleSessionName}`;
  const packed = JSON.stringify(tags).length + (profile.sessionPolicy?.length ?? 0) + profile.managedPolicyArns.length * 64;
  return {
    sessionToken: minted.sessionToken,
    packedPolicySize: Math.min(100, Math.ceil(packed / 40)),
    session: {
      accessKeyId: minted.accessKeyId,
      secretAccessKey: minted.secretAccessKey,
      sessionTokenSha256: sha256Hex(minted.sessionToken),
      roleArn: params.roleArn,
      roleSessionName,
      assumedRoleArn: `arn:aws:sts::${ctx.accountId}:assumed-role/${roleName}/${roleSessionName}`,
      assumedRoleId,
      sourceIdentity: sourceIdentity(leaf),
      sessionTags: tags,
      trustAnchorArn: ta.trustAnchorArn,
      profileArn: profile.profileArn,
      subjectArn: '',
      issuedAt: issuedAt.toISOString(),
      expiration,
    },
  };
}
