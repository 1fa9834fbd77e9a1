/**
 * The emulator's persistent state, shaped like the service's resources (API Reference, data
 * types). Dates are ISO strings so that the state file is plain JSON.
 */

export interface NotificationSettingDetail {
  enabled: boolean;
  event: string;
  threshold?: number;
  channel?: string;
  configuredBy?: string;
}

export interface TrustAnchorRecord {
  trustAnchorId: string;
  trustAnchorArn: string;
  name: string;
  source: { sourceType: string; sourceData: { x509CertificateData?: string; acmPcaArn?: string } };
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  notificationSettings: NotificationSettingDetail[];
}

export interface MappingRule {
  specifier: string;
}

export interface AttributeMapping {
  certificateField: string;
  mappingRules: MappingRule[];
}

export interface ProfileRecord {
  profileId: string;
  profileArn: string;
  name: string;
  requireInstanceProperties: boolean;
  enabled: boolean;
  createdBy: string;
  sessionPolicy?: string;
  roleArns: string[];
  managedPolicyArns: string[];
  createdAt: string;
  updatedAt: string;
  durationSeconds: number;
  acceptRoleSessionName: boolean;
  attributeMappings: AttributeMapping[];
}

export interface CrlRecord {
  crlId: string;
  crlArn: string;
  name: string;
  enabled: boolean;
  /** base64 of the PEM bytes, as on the wire. */
  crlData: string;
  trustAnchorArn: string;
  createdAt: string;
  updatedAt: string;
}

export interface CredentialSummaryRecord {
  seenAt: string;
  serialNumber: string;
  issuer: string;
  enabled: boolean;
  x509CertificateData: string;
  failed: boolean;
}

export interface InstancePropertyRecord {
  seenAt: string;
  properties: Record<string, string>;
  failed: boolean;
}

export interface SubjectRecord {
  subjectId: string;
  subjectArn: string;
  enabled: boolean;
  x509Subject: string;
  lastSeenAt: string;
  createdAt: string;
  updatedAt: string;
  credentials: CredentialSummaryRecord[];
  instanceProperties: InstancePropertyRecord[];
}

/** A session minted by CreateSession; looked up by STS. The token is stored hashed. */
export interface SessionRecord {
  accessKeyId: string;
  secretAccessKey: string;
  sessionTokenSha256: string;
  roleArn: string;
  roleSessionName: string;
  assumedRoleArn: string;
  assumedRoleId: string;
  sourceIdentity: string;
  /** Principal tags derived from the certificate via the profile's attribute mappings. */
  sessionTags: Record<string, string>;
  trustAnchorArn: string;
  profileArn: string;
  subjectArn: string;
  issuedAt: string;
  expiration: string;
}

export interface EmulatorState {
  version: 1;
  trustAnchors: TrustAnchorRecord[];
  profiles: ProfileRecord[];
  crls: CrlRecord[];
  subjects: SubjectRecord[];
  /** resource ARN → tags, in insertion order. */
  tags: Record<string, { key: string; value: string }[]>;
  sessions: SessionRecord[];
}

export function emptyState(): EmulatorState {
  return { version: 1, trustAnchors: [], profiles: [], crls: [], subjects: [], tags: {}, sessions: [] };
}
