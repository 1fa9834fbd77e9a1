/**
 * `rapki aws unregister`: delete what `register` created for this CA — profiles, CRLs and the trust
 * anchor carrying our tags (`rapki:managed-by` + this CA's fingerprint), nothing else — after
 * telling the CA to stop syncing (so it does not re-import a CRL a second later).
 */
import type { RolesAnywhereControlPlane } from '../../../common/src/aws/types.js';
import { CallSpacer, waitingScheduler } from '../../../ca-server/src/entry/sync.js';
import type { CaSide } from './ca-source.js';
import { findCrls, findProfiles, findTrustAnchors } from './find.js';

export interface UnregisterPlan {
  readonly profiles: string[];
  readonly crls: string[];
  readonly trustAnchors: string[];
}

export async function planUnregister(
  cp: RolesAnywhereControlPlane,
  fingerprint: string,
): Promise<UnregisterPlan & { ids: { profiles: string[]; crls: string[]; trustAnchors: string[] } }> {
  const profiles = await findProfiles(cp, fingerprint);
  const crls = await findCrls(cp, fingerprint);
  const anchors = await findTrustAnchors(cp, fingerprint);
  return {
    profiles: profiles.map((p) => p.profileArn),
    crls: crls.map((c) => c.crlArn),
    trustAnchors: anchors.map((a) => a.trustAnchorArn),
    ids: { profiles: profiles.map((p) => p.profileId), crls: crls.map((c) => c.crlId), trustAnchors: anchors.map((a) => a.trustAnchorId) },
  };
}

export async function unregister(
  cp: RolesAnywhereControlPlane,
  ca: CaSide | undefined,
  fingerprint: string,
): Promise<UnregisterPlan & { syncTargetsRemoved: number }> {
  const plan = await planUnregister(cp, fingerprint);
  let syncTargetsRemoved = 0;
  if (ca) {
    for (const arn of plan.trustAnchors) {
      if (await ca.removeSyncTarget({ trustAnchorArn: arn, region: cp.region, endpoint: cp.endpoint })) syncTargetsRemoved++;
    }
  }
  for (const id of plan.ids.profiles) await cp.deleteProfile(id);
  const spacer = new CallSpacer(1000, waitingScheduler);
  for (const id of plan.ids.crls) {
    await spacer.acquire('crl'); // CRL calls: 1 per second
    await cp.deleteCrl(id);
  }
  for (const id of plan.ids.trustAnchors) await cp.deleteTrustAnchor(id);
  return { profiles: plan.profiles, crls: plan.crls, trustAnchors: plan.trustAnchors, syncTargetsRemoved };
}
