/**
 * Protocol constants of rapki's Roles Anywhere control-plane use, in one place: wire paths of the
 * operations the 3.332 SDK lacks, service limits that shape our requests, the tags that mark the
 * resources rapki owns, and the notification thresholds rapki sets.
 * Sources: IAM Roles Anywhere API Reference (operations, data types), User Guide ("Quotas", "Monitoring").
 */

/** SigV4 signing name of the control plane (`signingName` of the service model). */
export const SIGNING_NAME = 'rolesanywhere';

/** Default region when neither `--region` nor the AWS config names one. */
export const DEFAULT_REGION = 'us-east-1';

/** Control-plane endpoint for a region (commercial partition). */
export function defaultEndpoint(region: string): string {
  if (region.startsWith('cn-')) return `https://rolesanywhere.${region}.amazonaws.com.cn`;
  return `https://rolesanywhere.${region}.amazonaws.com`;
}

/** Wire paths of operations hand-signed because `@aws-sdk/client-rolesanywhere@3.332.0` lacks them. */
export const RAW_PATHS = {
  putNotificationSettings: '/put-notifications-settings',
  resetNotificationSettings: '/reset-notifications-settings',
  profile: (id: string): string => `/profile/${encodeURIComponent(id)}`,
  trustAnchor: (id: string): string => `/trustanchor/${encodeURIComponent(id)}`,
  attributeMappings: (profileId: string): string => `/profiles/${encodeURIComponent(profileId)}/mappings`,
} as const;

/** Service limits (API Reference data types; User Guide, "Quotas"). */
export const RA_LIMITS = {
  /** CRL API calls (ImportCrl, UpdateCrl, EnableCrl, GetCrl, …) combined: 1 per second per account and region. */
  crlCallsPerSecond: 1,
  durationMin: 900,
  durationMax: 43_200,
  durationDefault: 3600,
  roleArnsPerProfile: 250,
  managedPolicyArnsPerProfile: 50,
  notificationThresholdMin: 1,
  notificationThresholdMax: 360,
  nameMax: 255,
  tagValueMax: 256,
  /** Pages followed at most when listing (50 trust anchors, 250 profiles per region: a guard against a looping server). */
  maxPages: 200,
  /** Largest control-plane JSON response read by the hand-signed client. */
  maxResponseBytes: 2 * 1024 * 1024,
} as const;

/** Tags rapki puts on every resource it creates; `register` finds and `unregister` deletes only resources carrying them. */
export const TAGS = {
  managedBy: 'rapki:managed-by',
  managedByValue: 'rapki',
  /** SHA-256 (hex, lower case) of the CA root certificate DER. */
  caFingerprint: 'rapki:ca-fingerprint',
  /** For profiles: the profile name given to `register` (several profiles per CA are allowed). */
  profileName: 'rapki:profile-name',
} as const;

/**
 * Notification thresholds rapki sets on its trust anchors (PutNotificationSettings, 1–360 days).
 *
 * Why: Roles Anywhere's default is 45 days for both events (User Guide, "Monitoring"). rapki leaves live
 * 24 h–7 days and renew at 2/3 of their lifetime, so *every* certificate in use is always within
 * any allowed end-entity threshold (the minimum is 1 day): the end-entity event would fire daily for
 * every host and drown real signals. It is therefore disabled by default (rapki's renewal and the
 * CA's `/metrics` watch leaves instead) and can be enabled with `--end-entity-expiry-days N` for
 * long-lived leaves. The CA certificate event stays on, raised to 90 days so that a CA rotation
 * (two-certificate bundle, docs/aws.md) can be planned before the anchor expires.
 */
export const NOTIFICATION_DEFAULTS = {
  caCertificateExpiryDays: 90,
  endEntityExpiryDays: undefined as number | undefined,
} as const;

export const NOTIFICATION_EVENTS = {
  ca: 'CA_CERTIFICATE_EXPIRY',
  endEntity: 'END_ENTITY_CERTIFICATE_EXPIRY',
} as const;

/** The only notification channel the model offers. */
export const NOTIFICATION_CHANNEL = 'ALL';

/** Certificate fields an attribute mapping may name (API Reference, `AttributeMapping`). */
export const CERTIFICATE_FIELDS = ['x509Subject', 'x509Issuer', 'x509SAN'] as const;
export type CertificateField = (typeof CERTIFICATE_FIELDS)[number];
