/**
 * The CreateSession JSON body as the helper's serializer writes it (its
 * rolesanywhere/serializers.go): compact, keys in the order `durationSeconds`, `roleSessionName`; the
 * name only when non-empty. The exact string returned is the string hashed and sent.
 */
export function createSessionBody(durationSeconds: number, roleSessionName?: string): string {
  if (!Number.isSafeInteger(durationSeconds)) throw new TypeError('durationSeconds must be an integer');
  const body: { durationSeconds: number; roleSessionName?: string } = { durationSeconds };
  if (roleSessionName !== undefined && roleSessionName.length > 0) body.roleSessionName = roleSessionName;
  return JSON.stringify(body);
}
