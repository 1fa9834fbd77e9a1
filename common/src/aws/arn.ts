/**
 * Roles Anywhere ARNs: `arn:<partition>:rolesanywhere:<region>:<account>:<type>/<uuid>`. The API's
 * calls take the id (the last segment); the CLI and the store keep the whole ARN.
 */

/** Last path segment of a Roles Anywhere ARN: `arn:…:crl/<uuid>` → `<uuid>`. */
export function idFromArn(arn: string): string {
  const i = arn.lastIndexOf('/');
  return i < 0 ? arn : arn.slice(i + 1);
}
