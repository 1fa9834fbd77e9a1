/**
 * Finding the Roles Anywhere resources rapki created for one CA: they carry the tags
 * `rapki:managed-by=rapki` and `rapki:ca-fingerprint=<root SHA-256>` (profiles also
 * `rapki:profile-name`). Names are only a hint (people rename things in the console); tags decide.
 */
import { TAGS } from '../../../common/src/aws/constants.js';
import type { Crl, Profile, RolesAnywhereControlPlane, Tag, TrustAnchor } from '../../../common/src/aws/types.js';

export function caTags(fingerprint: string): Tag[] {
  return [
    { key: TAGS.managedBy, value: TAGS.managedByValue },
    { key: TAGS.caFingerprint, value: fingerprint },
  ];
}

export function profileTags(fingerprint: string, profileName: string): Tag[] {
  return [...caTags(fingerprint), { key: TAGS.profileName, value: profileName }];
}

function hasTags(tags: readonly Tag[], want: readonly Tag[]): boolean {
  return want.every((w) => tags.some((t) => t.key === w.key && t.value === w.value));
}

/** Resources (in list order) whose tags include `want`; candidates whose name matches are checked first. */
async function byTags<T>(cp: RolesAnywhereControlPlane, items: readonly T[], arnOf: (t: T) => string, want: readonly Tag[]): Promise<T[]> {
  const out: T[] = [];
  for (const item of items) {
    if (hasTags(await cp.listTags(arnOf(item)), want)) out.push(item);
  }
  return out;
}

export async function findTrustAnchors(cp: RolesAnywhereControlPlane, fingerprint: string): Promise<TrustAnchor[]> {
  return byTags(cp, await cp.listTrustAnchors(), (t) => t.trustAnchorArn, caTags(fingerprint));
}

/** Our profiles for this CA; with `profileName`, only that one (name tag). */
export async function findProfiles(cp: RolesAnywhereControlPlane, fingerprint: string, profileName?: string): Promise<Profile[]> {
  const all = await cp.listProfiles();
  const want = profileName ? profileTags(fingerprint, profileName) : caTags(fingerprint);
  if (profileName) {
    // Cheap path: the profile still has the name we gave it.
    const named = await byTags(
      cp,
      all.filter((p) => p.name === profileName),
      (p) => p.profileArn,
      want,
    );
    if (named.length > 0) return named;
  }
  return byTags(cp, all, (p) => p.profileArn, want);
}

/** Our CRLs attached to `trustAnchorArn` (at most 2 per anchor in Roles Anywhere). */
export async function findCrls(cp: RolesAnywhereControlPlane, fingerprint: string, trustAnchorArn?: string): Promise<Crl[]> {
  const all = (await cp.listCrls()).filter((c) => trustAnchorArn === undefined || c.trustAnchorArn === trustAnchorArn);
  return byTags(cp, all, (c) => c.crlArn, caTags(fingerprint));
}
