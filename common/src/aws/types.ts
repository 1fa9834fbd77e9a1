/**
 * The Roles Anywhere resources as rapki sees them: the current model's shapes
 * (IAM Roles Anywhere API Reference, data types), including the fields
 * `@aws-sdk/client-rolesanywhere@3.332.0` drops (notification settings, `acceptRoleSessionName`,
 * attribute mappings). Times are RFC 3339 strings exactly as the service sent them, so "did anything
 * change" compares byte for byte.
 */
import type { CertificateField } from './constants.js';

export interface Tag {
  readonly key: string;
  readonly value: string;
}

export interface NotificationSetting {
  readonly enabled: boolean;
  readonly event: 'CA_CERTIFICATE_EXPIRY' | 'END_ENTITY_CERTIFICATE_EXPIRY';
  /** Days, 1–360. */
  readonly threshold?: number | undefined;
  readonly channel?: 'ALL' | undefined;
}

export interface NotificationSettingDetail extends NotificationSetting {
  readonly configuredBy?: string | undefined;
}

export interface TrustAnchor {
  readonly trustAnchorId: string;
  readonly trustAnchorArn: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly sourceType: string;
  /** PEM bundle for CERTIFICATE_BUNDLE anchors. */
  readonly x509CertificateData: string | undefined;
  readonly createdAt: string | undefined;
  readonly updatedAt: string | undefined;
  readonly notificationSettings: readonly NotificationSettingDetail[];
}

export interface MappingRule {
  readonly specifier: string;
}

export interface AttributeMapping {
  readonly certificateField: CertificateField;
  readonly mappingRules: readonly MappingRule[];
}

export interface Profile {
  readonly profileId: string;
  readonly profileArn: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly roleArns: readonly string[];
  readonly managedPolicyArns: readonly string[];
  readonly durationSeconds: number | undefined;
  readonly acceptRoleSessionName: boolean;
  readonly attributeMappings: readonly AttributeMapping[];
  readonly createdAt: string | undefined;
  readonly updatedAt: string | undefined;
}

export interface Crl {
  readonly crlId: string;
  readonly crlArn: string;
  readonly name: string;
  readonly enabled: boolean;
  /** The stored CRL bytes (PEM as imported). */
  readonly crlData: Uint8Array;
  readonly trustAnchorArn: string | undefined;
  readonly createdAt: string | undefined;
  readonly updatedAt: string | undefined;
}

export interface ProfileInput {
  readonly name: string;
  readonly roleArns: readonly string[];
  readonly managedPolicyArns: readonly string[];
  readonly durationSeconds: number;
  readonly acceptRoleSessionName: boolean;
  readonly enabled: boolean;
  readonly tags: readonly Tag[];
}

/**
 * The narrow seam between rapki and the Roles Anywhere control plane. The CLI's register/status/
 * unregister and the CA's CRL sync depend on this interface only, so tests can run them against
 * the emulator through the real client, and nothing else imports the AWS SDK.
 */
export interface RolesAnywhereControlPlane {
  readonly region: string;
  readonly endpoint: string | undefined;

  listTrustAnchors(): Promise<TrustAnchor[]>;
  getTrustAnchor(id: string): Promise<TrustAnchor>;
  createTrustAnchor(input: { name: string; bundlePem: string; enabled: boolean; tags: readonly Tag[] }): Promise<TrustAnchor>;
  updateTrustAnchor(id: string, input: { name?: string; bundlePem?: string }): Promise<TrustAnchor>;
  enableTrustAnchor(id: string): Promise<TrustAnchor>;
  deleteTrustAnchor(id: string): Promise<void>;
  putNotificationSettings(trustAnchorId: string, settings: readonly NotificationSetting[]): Promise<TrustAnchor>;

  listProfiles(): Promise<Profile[]>;
  getProfile(id: string): Promise<Profile>;
  createProfile(input: ProfileInput): Promise<Profile>;
  updateProfile(
    id: string,
    input: Partial<Pick<ProfileInput, 'roleArns' | 'managedPolicyArns' | 'durationSeconds' | 'acceptRoleSessionName'>>,
  ): Promise<Profile>;
  enableProfile(id: string): Promise<Profile>;
  deleteProfile(id: string): Promise<void>;
  putAttributeMapping(profileId: string, mapping: AttributeMapping): Promise<Profile>;

  listCrls(): Promise<Crl[]>;
  getCrl(id: string): Promise<Crl>;
  importCrl(input: { name: string; pem: Uint8Array; trustAnchorArn: string; enabled: boolean; tags: readonly Tag[] }): Promise<Crl>;
  updateCrl(id: string, pem: Uint8Array): Promise<Crl>;
  enableCrl(id: string): Promise<Crl>;
  deleteCrl(id: string): Promise<void>;

  listTags(resourceArn: string): Promise<Tag[]>;
  /** Adds or replaces tags (CA rotation re-tags anchors and profiles with the new root fingerprint). */
  tagResource(resourceArn: string, tags: readonly Tag[]): Promise<void>;
  /** Release sockets. */
  close(): void;
}
