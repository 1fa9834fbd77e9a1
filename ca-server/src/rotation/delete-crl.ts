/**
 * Deletes a CRL rapki imported into Roles Anywhere; a CRL that is gone already counts as deleted,
 * so every step that removes a CRL can be re-run after a crash.
 */
import type { RolesAnywhereControlPlane } from '../../../common/src/aws/types.js';
import { idFromArn } from '../../../common/src/aws/arn.js';

export async function deleteCrlQuietly(cp: Pick<RolesAnywhereControlPlane, 'deleteCrl'>, arn: string): Promise<void> {
  try {
    await cp.deleteCrl(idFromArn(arn));
  } catch (err) {
    if ((err as { details?: { awsError?: string } }).details?.awsError === 'ResourceNotFoundException') return;
    throw err;
  }
}
