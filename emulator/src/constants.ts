/**
 * Protocol constants of the emulator in one place: limits, patterns and the exact error texts of
 * the real service (Roles Anywhere API Reference and User Guide; STS API Reference). Values the sources
 * do not state are marked "(emulator choice)" and listed in docs/emulator.md.
 */

/** Default account and region of the emulated partition. */
export const DEFAULT_ACCOUNT_ID = '123456789012';
export const DEFAULT_REGION = 'us-east-1';
export const PARTITION = 'aws';

/** SigV4 signing names. */
export const SIGNING_NAME_ROLESANYWHERE = 'rolesanywhere';
export const SIGNING_NAME_STS = 'sts';

/** X.509 SigV4 algorithms accepted by CreateSession (User Guide, "Signing process"; no ML-DSA here). */
export const X509_ALGORITHM_RSA = 'AWS4-X509-RSA-SHA256';
export const X509_ALGORITHM_ECDSA = 'AWS4-X509-ECDSA-SHA256';
export const HMAC_ALGORITHM = 'AWS4-HMAC-SHA256';

/** CreateSession: X-Amz-Date must be within 5 minutes of the server clock (SigV4's usual window). */
export const CREATE_SESSION_MAX_SKEW_MS = 5 * 60_000;
/** HMAC SigV4 (control plane, STS): AWS's usual 15-minute window (emulator choice). */
export const HMAC_MAX_SKEW_MS = 15 * 60_000;

/** Minted sessions are forgotten this long after they expired (emulator choice). */
export const SESSION_RETENTION_AFTER_EXPIRY_MS = 24 * 3600_000;

/** At most 5 certificates in `X-Amz-X509-Chain` (User Guide, "Authentication": maximum depth 5). */
export const MAX_CHAIN_CERTIFICATES = 5;

/** Largest request header block accepted (a 5-certificate RSA-4096 chain fits with room to spare). */
export const MAX_HEADER_BYTES = 64 * 1024;

/** Service limits (User Guide, "Quotas" and "Trust model"; API Reference data types). */
export const LIMITS = {
  trustAnchors: 50,
  profiles: 250,
  certificatesPerBundle: 2,
  crlsPerTrustAnchor: 2,
  x509CertificateDataMaxChars: 8000,
  crlMinBytes: 1,
  crlMaxBytes: 300_000,
  durationMin: 900,
  durationMax: 43_200,
  durationDefault: 3600,
  roleMaxSessionDurationDefault: 3600,
  roleArnsPerProfile: 250,
  managedPolicyArnsPerProfile: 50,
  sessionPolicyMaxChars: 100_000,
  tagsPerResource: 200,
  tagKeyMax: 128,
  tagValueMax: 256,
  nameMax: 255,
  arnMax: 1011,
  notificationThresholdMin: 1,
  notificationThresholdMax: 360,
  notificationThresholdDefault: 45,
  mappingSpecifierMax: 60,
  instancePropertiesMax: 50,
  instancePropertyMaxChars: 200,
  nextTokenMax: 10_000,
  /** (emulator choice) the model states no page size limits. */
  pageSizeDefault: 50,
  pageSizeMax: 1000,
  roleSessionNameMin: 2,
  roleSessionNameMax: 64,
  /** Bodies larger than this are refused before parsing (emulator choice). */
  maxBodyBytes: 1024 * 1024,
} as const;

/** Patterns from the Smithy model (aws/api-models-aws, rolesanywhere-2018-05-10.json). */
export const PATTERNS = {
  resourceName: /^[ a-zA-Z0-9\-_]*$/,
  uuid: /^[a-f0-9]{8}-([a-z0-9]{4}-){3}[a-z0-9]{12}$/,
  trustAnchorArn: /^arn:aws(-[^:]+)?:rolesanywhere(:.*){2}(:trust-anchor.*)$/,
  profileArn: /^arn:aws(-[^:]+)?:rolesanywhere(:.*){2}(:profile.*)$/,
  roleArn: /^arn:aws(-[^:]+)?:iam(:.*){2}(:role.*)$/,
  tag: /^[ a-zA-Z0-9_.:/=+@-]*$/,
  /** STS roleSessionNameType. */
  roleSessionName: /^[\w+=,.@-]*$/,
  acmPcaArn: /^arn:aws(-[^:]+)?:acm-pca:[^:]*:[0-9]{12}:certificate-authority\/.+$/,
} as const;

export const NOTIFICATION_EVENTS = ['CA_CERTIFICATE_EXPIRY', 'END_ENTITY_CERTIFICATE_EXPIRY'] as const;
export const NOTIFICATION_CHANNELS = ['ALL'] as const;
export const NOTIFICATION_DEFAULT_CONFIGURED_BY = 'rolesanywhere.amazonaws.com';
export const SOURCE_TYPES = ['AWS_ACM_PCA', 'CERTIFICATE_BUNDLE', 'SELF_SIGNED_REPOSITORY'] as const;
export const CERTIFICATE_FIELDS = ['x509Subject', 'x509Issuer', 'x509SAN'] as const;

/** Exact texts returned by the real service where known (field reports in aws/rolesanywhere-credential-helper). */
export const MESSAGES = {
  invalidSignature: 'Invalid signature',
  untrusted: 'Untrusted Signing Certificate',
  /** Field reports of the real service after a CRL import (several independent write-ups). */
  revoked: 'Certificate revoked',
  /** CreateTrustAnchor with a bundle certificate that is not a CA (field report). */
  incorrectBasicConstraints: 'Incorrect basic constraints',
  roleSessionNameNotAuthorized: 'Not authorized to set roleSessionName.',
  exceedsRoleMax: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
  // HMAC SigV4 (generic AWS front-end texts).
  missingAuth: 'Missing Authentication Token',
  invalidClientToken: 'The security token included in the request is invalid.',
  signatureDoesNotMatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  expiredToken: 'The security token included in the request is expired',
} as const;

/** STS awsQuery namespace (`xmlNamespace` of the STS service model). */
export const STS_XML_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const STS_VERSION = '2011-06-15';

/** Header carrying the emulator's precise refusal reason (not sent by AWS; for tests and users). */
export const REASON_HEADER = 'x-rapki-emulator-reason';
