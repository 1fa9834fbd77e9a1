/**
 * `rapki aws register`: make Roles Anywhere trust this CA, idempotently.
 *
 * Each run converges AWS to the wanted state and changes only what differs, so running it twice
 * changes nothing the second time (no Update* call, `updatedAt` untouched) and adding a role on a
 * later run only updates the profile. Resources are found by tags carrying the root fingerprint
 * (find.ts). Steps: trust anchor (CERTIFICATE_BUNDLE from the root or the intermediate) → its
 * notification settings → profile (roles, duration, managed policies, acceptRoleSessionName,
 * attribute mappings) → CRL (import + enable, or update; CRL calls spaced by 1 s, the service
 * quota; read back and compared) → CRL sync target on the CA.
 */
import { NOTIFICATION_CHANNEL, NOTIFICATION_EVENTS, RA_LIMITS } from '../../../common/src/aws/constants.js';
import { awsError } from '../../../common/src/aws/errors.js';
import type { AttributeMapping, Crl, NotificationSetting, Profile, RolesAnywhereControlPlane, TrustAnchor } from '../../../common/src/aws/types.js';
import { CallSpacer, crlResourceName, waitingScheduler, type SyncScheduler } from '../../../ca-server/src/entry/sync.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { anchorBundle, type CaMaterial, type CaSide, type TargetView } from './ca-source.js';
import { crlDataForPush } from './crl-pem.js';
import { caTags, findCrls, findProfiles, findTrustAnchors, profileTags } from './find.js';

export interface RegisterOptions {
  readonly roleArns: readonly string[];
  readonly profileName?: string | undefined;
  readonly sessionDurationSeconds: number;
  readonly acceptRoleSessionName: boolean;
  readonly managedPolicyArns: readonly string[];
  readonly attributeMappings: readonly AttributeMapping[];
  readonly anchor: 'root' | 'intermediate';
  /** CA_CERTIFICATE_EXPIRY threshold in days. */
  readonly caExpiryDays: number;
  /** END_ENTITY_CERTIFICATE_EXPIRY threshold in days; undefined = disabled. */
  readonly endEntityExpiryDays: number | undefined;
  /** Tell the CA to keep the CRL in sync (default true). */
  readonly sync?: boolean;
}

export interface RegisterResult {
  readonly trustAnchor: TrustAnchor;
  readonly profile: Profile;
  readonly crl: Crl | undefined;
  readonly syncTarget: TargetView | undefined;
  /** What this run did, e.g. `created trust anchor`, `updated profile roleArns`. Empty when nothing changed. */
  readonly changes: string[];
  readonly fingerprint: string;
  readonly usesIntermediate: boolean;
}

/** Names rapki gives the resources it creates for a CA (ResourceName: `[ a-zA-Z0-9-_]`, ≤ 255). */
export function defaultNames(fingerprint: string): { trustAnchor: string; profile: string } {
  const short = fingerprint.slice(0, 16);
  return { trustAnchor: `rapki-${short}`, profile: `rapki-${short}` };
}

const normPem = (s: string | undefined): string => (s ?? '').replace(/\s+/g, '');
const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

export function desiredNotifications(o: Pick<RegisterOptions, 'caExpiryDays' | 'endEntityExpiryDays'>): NotificationSetting[] {
  return [
    { enabled: true, event: NOTIFICATION_EVENTS.ca, threshold: o.caExpiryDays, channel: NOTIFICATION_CHANNEL },
    o.endEntityExpiryDays === undefined
      ? { enabled: false, event: NOTIFICATION_EVENTS.endEntity, channel: NOTIFICATION_CHANNEL }
      : { enabled: true, event: NOTIFICATION_EVENTS.endEntity, threshold: o.endEntityExpiryDays, channel: NOTIFICATION_CHANNEL },
  ];
}

function notificationsDiffer(current: TrustAnchor['notificationSettings'], want: readonly NotificationSetting[]): boolean {
  return want.some((w) => {
    const c = current.find((x) => x.event === w.event && (x.channel ?? 'ALL') === (w.channel ?? 'ALL'));
    if (!c) return true;
    if (c.enabled !== w.enabled) return true;
    return w.enabled && c.threshold !== w.threshold;
  });
}

export function validateRegisterOptions(o: RegisterOptions): void {
  if (o.roleArns.length === 0) throw awsError('flag_value_invalid', 'name at least one --role-arn');
  if (o.roleArns.length > RA_LIMITS.roleArnsPerProfile) throw awsError('flag_value_invalid', `at most ${RA_LIMITS.roleArnsPerProfile} roles per profile`);
  for (const r of o.roleArns) {
    if (!/^arn:aws(-[^:]+)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(r)) throw awsError('flag_value_invalid', `not an IAM role ARN: ${r.slice(0, 120)}`);
  }
  if (o.managedPolicyArns.length > RA_LIMITS.managedPolicyArnsPerProfile)
    throw awsError('flag_value_invalid', `at most ${RA_LIMITS.managedPolicyArnsPerProfile} managed policies`);
  for (const p of o.managedPolicyArns) {
    if (!/^arn:aws(-[^:]+)?:iam::(\d{12}|aws):policy\/[\w+=,.@/-]{1,512}$/.test(p))
      throw awsError('flag_value_invalid', `not an IAM policy ARN: ${p.slice(0, 120)}`);
  }
  if (!Number.isInteger(o.sessionDurationSeconds) || o.sessionDurationSeconds < RA_LIMITS.durationMin || o.sessionDurationSeconds > RA_LIMITS.durationMax) {
    throw awsError('flag_value_invalid', `--session-duration must be ${RA_LIMITS.durationMin}–${RA_LIMITS.durationMax} seconds`);
  }
  for (const d of [o.caExpiryDays, o.endEntityExpiryDays]) {
    if (d !== undefined && (!Number.isInteger(d) || d < RA_LIMITS.notificationThresholdMin || d > RA_LIMITS.notificationThresholdMax)) {
      throw awsError('flag_value_invalid', `notification thresholds must be ${RA_LIMITS.notificationThresholdMin}–${RA_LIMITS.notificationThresholdMax} days`);
    }
  }
  if (o.profileName !== undefined && !/^[ a-zA-Z0-9_-]{1,255}$/.test(o.profileName)) {
    throw awsError('flag_value_invalid', '--profile-name: 1–255 characters of letters, digits, space, - and _');
  }
}

export async function register(
  cp: RolesAnywhereControlPlane,
  ca: CaSide,
  material: CaMaterial,
  o: RegisterOptions,
  scheduler: SyncScheduler = waitingScheduler,
): Promise<RegisterResult> {
  validateRegisterOptions(o);
  const changes: string[] = [];
  const fp = material.fingerprint;
  const names = defaultNames(fp);
  const usesIntermediate = o.anchor === 'intermediate';
  if (usesIntermediate && !material.intermediatePem) throw awsError('flag_value_invalid', '--anchor intermediate: this CA has no intermediate');
  const bundlePem = anchorBundle(material, usesIntermediate);

  // 1. Trust anchor.
  const anchors = await findTrustAnchors(cp, fp);
  let ta: TrustAnchor;
  if (anchors[0] === undefined) {
    ta = await cp.createTrustAnchor({ name: names.trustAnchor, bundlePem, enabled: true, tags: caTags(fp) });
    changes.push('created trust anchor');
  } else {
    ta = await cp.getTrustAnchor(anchors[0].trustAnchorId);
    if (ta.sourceType !== 'CERTIFICATE_BUNDLE' || normPem(ta.x509CertificateData) !== normPem(bundlePem)) {
      await cp.updateTrustAnchor(ta.trustAnchorId, { bundlePem });
      changes.push('updated trust anchor certificate bundle');
    }
    if (!ta.enabled) {
      await cp.enableTrustAnchor(ta.trustAnchorId);
      changes.push('enabled trust anchor');
    }
  }
  // 2. Notification settings (hand-signed: not in SDK 3.332; the SDK's responses also drop them).
  ta = await cp.getTrustAnchor(ta.trustAnchorId);
  const wantNs = desiredNotifications(o);
  if (notificationsDiffer(ta.notificationSettings, wantNs)) {
    ta = await cp.putNotificationSettings(ta.trustAnchorId, wantNs);
    changes.push('set notification settings');
  }

  // 3. Profile.
  const profileName = o.profileName ?? names.profile;
  const found = await findProfiles(cp, fp, profileName);
  let profile: Profile;
  if (found[0] === undefined) {
    profile = await cp.createProfile({
      name: profileName,
      roleArns: o.roleArns,
      managedPolicyArns: o.managedPolicyArns,
      durationSeconds: o.sessionDurationSeconds,
      acceptRoleSessionName: o.acceptRoleSessionName,
      enabled: true,
      tags: profileTags(fp, profileName),
    });
    changes.push('created profile');
  } else {
    profile = await cp.getProfile(found[0].profileId);
    const patch: Parameters<RolesAnywhereControlPlane['updateProfile']>[1] = {
      ...(sameSet(profile.roleArns, o.roleArns) ? {} : { roleArns: o.roleArns }),
      ...(sameSet(profile.managedPolicyArns, o.managedPolicyArns) ? {} : { managedPolicyArns: o.managedPolicyArns }),
      ...((profile.durationSeconds ?? RA_LIMITS.durationDefault) === o.sessionDurationSeconds ? {} : { durationSeconds: o.sessionDurationSeconds }),
      ...(profile.acceptRoleSessionName === o.acceptRoleSessionName ? {} : { acceptRoleSessionName: o.acceptRoleSessionName }),
    };
    if (Object.keys(patch).length > 0) {
      profile = await cp.updateProfile(profile.profileId, patch);
      changes.push(`updated profile ${Object.keys(patch).join(', ')}`);
    }
    if (!profile.enabled) {
      profile = await cp.enableProfile(profile.profileId);
      changes.push('enabled profile');
    }
  }
  for (const m of o.attributeMappings) {
    const cur = profile.attributeMappings.find((x) => x.certificateField === m.certificateField);
    if (
      !cur ||
      !sameSet(
        cur.mappingRules.map((r) => r.specifier),
        m.mappingRules.map((r) => r.specifier),
      )
    ) {
      profile = await cp.putAttributeMapping(profile.profileId, m);
      changes.push(`set attribute mapping ${m.certificateField}`);
    }
  }
  if (changes.some((c) => c.includes('profile') || c.includes('attribute'))) profile = await cp.getProfile(profile.profileId);

  // 4. CRL (CRL API calls: 1 per second).
  const spacer = new CallSpacer(1000, scheduler);
  const crlCall = async <T>(fn: () => Promise<T>): Promise<T> => {
    await spacer.acquire('crl');
    return fn();
  };
  let crl: Crl | undefined;
  let pushedSha: string | undefined;
  if (material.crl) {
    const pem = crlDataForPush(material.crl.pem);
    const existing = await crlCall(() => findCrls(cp, fp, ta.trustAnchorArn));
    let changed = false;
    if (existing[0] === undefined) {
      crl = await crlCall(() =>
        cp.importCrl({ name: crlResourceName(ta.trustAnchorArn), pem, trustAnchorArn: ta.trustAnchorArn, enabled: true, tags: caTags(fp) }),
      );
      changes.push('imported CRL');
      changed = true;
    } else {
      crl = existing[0];
      if (!Buffer.from(crl.crlData).equals(Buffer.from(pem))) {
        crl = await crlCall(() => cp.updateCrl(existing[0]!.crlId, pem));
        changes.push('updated CRL');
        changed = true;
      }
    }
    if (!crl.enabled) {
      const id = crl.crlId;
      crl = await crlCall(() => cp.enableCrl(id));
      changes.push('enabled CRL');
      changed = true;
    }
    if (changed) {
      const id = crl.crlId;
      crl = await crlCall(() => cp.getCrl(id));
      if (!Buffer.from(crl.crlData).equals(Buffer.from(pem)) || !crl.enabled) throw awsError('crl_readback_mismatch');
    }
    pushedSha = sha256Fingerprint(pem);
  }

  // 5. Keep it in sync.
  let syncTarget: TargetView | undefined;
  if (o.sync !== false) {
    syncTarget = await ca.putSyncTarget({
      trustAnchorArn: ta.trustAnchorArn,
      crlArn: crl?.crlArn,
      region: cp.region,
      endpoint: cp.endpoint,
      pushedCrlSha256: pushedSha,
      pushedCrlNumber: material.crl?.number.toString(),
    });
  }
  return { trustAnchor: ta, profile, crl, syncTarget, changes, fingerprint: fp, usesIntermediate };
}
