/**
 * `rapki aws status`: what is registered for this CA, whether it is enabled, and whether the CRL
 * Roles Anywhere holds is the CA's current one (drift). A revocation is only effective once AWS
 * holds a CRL with that entry, so "AWS holds CRL 41, the CA is at 42" is the number to watch.
 */
import type { RolesAnywhereControlPlane } from '../../../common/src/aws/types.js';
import { syncTargetId } from '../../../ca-server/src/entry/sync.js';
import { readCrl } from '../../../common/src/x509/crl.js';
import { anchorBundle, type CaMaterial, type CaSide, type TargetView } from './ca-source.js';
import { findCrls, findProfiles, findTrustAnchors } from './find.js';

export interface StatusReport {
  readonly fingerprint: string;
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly registered: boolean;
  readonly trustAnchors: {
    trustAnchorArn: string;
    name: string;
    enabled: boolean;
    /** The bundle is the CA's root or intermediate. */
    matchesCa: boolean;
    notificationSettings: { event: string; enabled: boolean; threshold: number | undefined }[];
    updatedAt: string | undefined;
  }[];
  readonly profiles: {
    profileArn: string;
    name: string;
    enabled: boolean;
    roleArns: readonly string[];
    durationSeconds: number | undefined;
    acceptRoleSessionName: boolean;
    updatedAt: string | undefined;
  }[];
  readonly crls: { crlArn: string; trustAnchorArn: string | undefined; enabled: boolean; awsCrlNumber: string | undefined; updatedAt: string | undefined }[];
  readonly caCrlNumber: string | undefined;
  /** True when an anchor has no enabled CRL equal to the CA's current number, or the CRL holds a different one. */
  readonly drift: boolean;
  readonly problems: string[];
  readonly sync: { live: boolean; alarm: unknown; targets: TargetView[] };
}

const norm = (s: string | undefined): string => (s ?? '').replace(/\s+/g, '');

export async function status(cp: RolesAnywhereControlPlane, ca: CaSide, material: CaMaterial): Promise<StatusReport> {
  const fp = material.fingerprint;
  const anchors = await Promise.all((await findTrustAnchors(cp, fp)).map((a) => cp.getTrustAnchor(a.trustAnchorId)));
  const profiles = await Promise.all((await findProfiles(cp, fp)).map((p) => cp.getProfile(p.profileId)));
  const crls = await findCrls(cp, fp);
  const caNumber = material.crl?.number.toString();
  const problems: string[] = [];
  const crlRows = crls.map((c) => {
    let n: string | undefined;
    try {
      n = readCrl(c.crlData).crlNumber?.toString();
    } catch {
      n = undefined;
    }
    return { crlArn: c.crlArn, trustAnchorArn: c.trustAnchorArn, enabled: c.enabled, awsCrlNumber: n, updatedAt: c.updatedAt };
  });
  for (const a of anchors) {
    if (!a.enabled) problems.push(`trust anchor ${a.trustAnchorArn} is disabled`);
    const mine = crlRows.filter((c) => c.trustAnchorArn === a.trustAnchorArn && c.enabled);
    if (mine.length === 0) problems.push(`trust anchor ${a.trustAnchorArn} has no enabled CRL: revocations do not reach Roles Anywhere`);
    else if (caNumber !== undefined && !mine.some((c) => c.awsCrlNumber === caNumber)) {
      problems.push(`CRL drift: AWS holds CRL ${mine.map((c) => c.awsCrlNumber ?? '?').join(', ')}, the CA is at ${caNumber}`);
    }
  }
  for (const p of profiles) if (!p.enabled) problems.push(`profile ${p.profileArn} is disabled`);
  const sync = await ca.syncState();
  const myTargets = sync.targets.filter((t) =>
    anchors.some((a) => syncTargetId({ region: cp.region, endpoint: cp.endpoint, trustAnchorArn: a.trustAnchorArn }) === t.id),
  );
  for (const a of anchors) {
    if (!myTargets.some((t) => t.trustAnchorArn === a.trustAnchorArn))
      problems.push(`the CA does not keep the CRL of ${a.trustAnchorArn} in sync (run rapki aws register again)`);
  }
  if (sync.alarm) problems.push(`CRL sync alarm: ${(sync.alarm as { message?: string }).message ?? 'see the CA server'}`);
  for (const t of myTargets) if (t.status === 'retrying') problems.push(`CRL sync to ${t.trustAnchorArn} is failing: ${t.lastError?.message ?? ''}`);
  return {
    fingerprint: fp,
    region: cp.region,
    endpoint: cp.endpoint,
    registered: anchors.length > 0,
    trustAnchors: anchors.map((a) => ({
      trustAnchorArn: a.trustAnchorArn,
      name: a.name,
      enabled: a.enabled,
      matchesCa: [
        material.rootPem,
        material.intermediatePem,
        anchorBundle(material, false),
        ...(material.intermediatePem ? [anchorBundle(material, true)] : []),
      ].some((p) => p !== undefined && norm(p) === norm(a.x509CertificateData)),
      notificationSettings: a.notificationSettings.map((n) => ({ event: n.event, enabled: n.enabled, threshold: n.threshold })),
      updatedAt: a.updatedAt,
    })),
    profiles: profiles.map((p) => ({
      profileArn: p.profileArn,
      name: p.name,
      enabled: p.enabled,
      roleArns: p.roleArns,
      durationSeconds: p.durationSeconds,
      acceptRoleSessionName: p.acceptRoleSessionName,
      updatedAt: p.updatedAt,
    })),
    crls: crlRows,
    caCrlNumber: caNumber,
    drift: problems.some((p) => p.startsWith('CRL drift') || p.includes('no enabled CRL')),
    problems,
    sync: { live: sync.live, alarm: sync.alarm, targets: myTargets },
  };
}

/** Human-readable status. */
export function formatStatus(r: StatusReport): string {
  const lines: string[] = [];
  lines.push(`CA ${r.fingerprint} in ${r.region}${r.endpoint ? ` (${r.endpoint})` : ''}: ${r.registered ? 'registered' : 'NOT registered'}`);
  for (const a of r.trustAnchors) {
    lines.push(`  trust anchor ${a.trustAnchorArn} ${a.enabled ? 'enabled' : 'DISABLED'}${a.matchesCa ? '' : ' (bundle differs from the CA)'}`);
    for (const n of a.notificationSettings) lines.push(`    notify ${n.event}: ${n.enabled ? `${n.threshold} days` : 'off'}`);
  }
  for (const p of r.profiles) {
    lines.push(`  profile ${p.profileArn} ${p.enabled ? 'enabled' : 'DISABLED'} roles=${p.roleArns.join(',')} duration=${p.durationSeconds ?? 3600}s`);
  }
  for (const c of r.crls)
    lines.push(`  crl ${c.crlArn} ${c.enabled ? 'enabled' : 'DISABLED'} number=${c.awsCrlNumber ?? '?'} (CA: ${r.caCrlNumber ?? 'none'})`);
  for (const t of r.sync.targets) {
    lines.push(
      `  sync ${t.id}: ${t.status ?? (r.sync.live ? 'unknown' : 'stored')} pushed=${t.pushedNumber ?? '-'} last=${t.lastSuccessAt ?? '-'}${t.lastError ? ` error=${t.lastError.code}` : ''}`,
    );
  }
  lines.push(r.drift ? 'DRIFT: Roles Anywhere does not hold the current CRL' : 'no drift');
  for (const p of r.problems) lines.push(`! ${p}`);
  return `${lines.join('\n')}\n`;
}
