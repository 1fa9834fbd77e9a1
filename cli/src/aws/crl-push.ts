/**
 * `rapki aws crl-push`: push the CA's current CRL to every trust anchor registered for it, now.
 * The CA server does this by itself after every CRL change; this is the manual lever (after an
 * outage, or on a CA host without a running server). Same rules as the sync: PEM ≤ 300,000
 * bytes, CRL calls spaced by 1 s, UpdateCrl (ImportCrl + EnableCrl when there is none), read back.
 */
import { awsError } from '../../../common/src/aws/errors.js';
import type { Crl, RolesAnywhereControlPlane } from '../../../common/src/aws/types.js';
import { CallSpacer, crlResourceName, waitingScheduler, type SyncScheduler } from '../../../ca-server/src/entry/sync.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import type { CaMaterial, CaSide } from './ca-source.js';
import { crlDataForPush } from './crl-pem.js';
import { caTags, findCrls, findTrustAnchors } from './find.js';

export interface PushResult {
  readonly crlNumber: string;
  readonly pushed: { trustAnchorArn: string; crlArn: string; action: 'imported' | 'updated' | 'unchanged' }[];
}

export async function crlPush(
  cp: RolesAnywhereControlPlane,
  ca: CaSide,
  material: CaMaterial,
  opts: { force?: boolean } = {},
  scheduler: SyncScheduler = waitingScheduler,
): Promise<PushResult> {
  if (!material.crl) throw awsError('crl_invalid', 'the CA has not published a CRL yet');
  const pem = crlDataForPush(material.crl.pem);
  const anchors = await findTrustAnchors(cp, material.fingerprint);
  if (anchors.length === 0) throw awsError('not_registered');
  const spacer = new CallSpacer(1000, scheduler);
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    await spacer.acquire('crl');
    return fn();
  };
  const all = await call(() => findCrls(cp, material.fingerprint));
  const pushed: PushResult['pushed'][number][] = [];
  for (const ta of anchors) {
    const existing = all.find((c) => c.trustAnchorArn === ta.trustAnchorArn);
    let crl: Crl;
    let action: 'imported' | 'updated' | 'unchanged';
    if (!existing) {
      crl = await call(() =>
        cp.importCrl({ name: crlResourceName(ta.trustAnchorArn), pem, trustAnchorArn: ta.trustAnchorArn, enabled: true, tags: caTags(material.fingerprint) }),
      );
      action = 'imported';
    } else if (opts.force || !Buffer.from(existing.crlData).equals(Buffer.from(pem))) {
      crl = await call(() => cp.updateCrl(existing.crlId, pem));
      action = 'updated';
    } else {
      crl = existing;
      action = 'unchanged';
    }
    if (!crl.enabled) {
      const id = crl.crlId;
      crl = await call(() => cp.enableCrl(id));
    }
    if (action !== 'unchanged') {
      const id = crl.crlId;
      const back = await call(() => cp.getCrl(id));
      if (!Buffer.from(back.crlData).equals(Buffer.from(pem)) || !back.enabled) throw awsError('crl_readback_mismatch');
    }
    await ca.putSyncTarget({
      trustAnchorArn: ta.trustAnchorArn,
      crlArn: crl.crlArn,
      region: cp.region,
      endpoint: cp.endpoint,
      pushedCrlSha256: sha256Fingerprint(pem),
      pushedCrlNumber: material.crl.number.toString(),
    });
    pushed.push({ trustAnchorArn: ta.trustAnchorArn, crlArn: crl.crlArn, action });
  }
  return { crlNumber: material.crl.number.toString(), pushed };
}
