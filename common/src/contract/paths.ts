/**
 * The routes of the CA server's HTTP API (docs/ca-api.md): the server mounts them from here and
 * the CLI requests them from here, so the two cannot drift apart.
 */

/** Prefix of the admin API (bearer token; docs/ca-api.md "Admin routes"). */
export const ADMIN_PREFIX = '/v1/admin';
/** Prefix of CA rotation's admin routes (docs/rotation.md). */
export const ROTATION_PREFIX = `${ADMIN_PREFIX}/rotation`;
/** Prefix of the CRL sync's admin routes (docs/aws.md "CRL sync"). */
export const AWS_SYNC_PREFIX = `${ADMIN_PREFIX}/aws`;

/** Every route, as the client requests it (path parameters percent-encoded). */
export const CA_PATHS = {
  enroll: '/v1/enroll',
  enrollInfo: '/v1/enroll/info',
  renew: '/v1/renew',
  ca: '/v1/ca',
  crl: '/v1/crl',
  crlPem: '/v1/crl.pem',
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
  tokens: `${ADMIN_PREFIX}/tokens`,
  certificates: `${ADMIN_PREFIX}/certificates`,
  revokeSerial: (serialHex: string): string => `${ADMIN_PREFIX}/certificates/${encodeURIComponent(serialHex)}/revoke`,
  revokeHost: (host: string): string => `${ADMIN_PREFIX}/hosts/${encodeURIComponent(host)}/revoke`,
  unblockHost: (host: string): string => `${ADMIN_PREFIX}/hosts/${encodeURIComponent(host)}/unblock`,
  audit: `${ADMIN_PREFIX}/audit`,
  adminTokens: `${ADMIN_PREFIX}/admin-tokens`,
  revokeAdminToken: (id: string): string => `${ADMIN_PREFIX}/admin-tokens/${encodeURIComponent(id)}/revoke`,
  rotation: ROTATION_PREFIX,
  rotationStep: (step: 'plan' | 'start' | 'finish' | 'abort'): string => `${ROTATION_PREFIX}/${step}`,
  syncTargets: `${AWS_SYNC_PREFIX}/sync-targets`,
  deleteSyncTarget: (id: string): string => `${AWS_SYNC_PREFIX}/sync-targets/${encodeURIComponent(id)}/delete`,
  syncPush: `${AWS_SYNC_PREFIX}/push`,
  syncStatus: `${AWS_SYNC_PREFIX}/status`,
} as const;
