import { SCOPE_TERMINATOR, SERVICE_NAME } from '../constants.js';

/**
 * `YYYYMMDD/region/rolesanywhere/aws4_request` (User Guide, "Signing process", Task 2). `scopeDate`
 * is the first eight characters of the X-Amz-Date value.
 */
export function credentialScope(scopeDate: string, region: string, service: string = SERVICE_NAME): string {
  if (!/^\d{8}$/.test(scopeDate)) throw new TypeError(`scope date must be YYYYMMDD, got ${JSON.stringify(scopeDate)}`);
  return `${scopeDate}/${region}/${service}/${SCOPE_TERMINATOR}`;
}
