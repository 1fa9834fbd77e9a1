/**
 * The JSON bodies of the emulator's responses as the tests read them, in the service's wire names
 * (restJson1, camelCase). Only the fields the assertions follow are named; the rest are `unknown`.
 * A success body holds the object of its operation (`trustAnchor`, `profile`, `credentialSet`), an
 * error body only `message`: the fields are typed as present because a test reads them after it
 * checked the status, and reading one from the wrong body fails the test all the same.
 */
export interface WireCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: string;
}

/** One entry of CreateSession's `credentialSet` (the service returns exactly one). */
export interface WireCredentialSetEntry {
  readonly assumedRoleUser: { readonly arn: string; readonly assumedRoleId: string };
  readonly credentials: WireCredentials;
  readonly packedPolicySize: number;
  readonly roleArn: string;
  readonly sourceIdentity: string;
}

export interface WireNotificationSetting {
  readonly enabled: boolean;
  readonly event: string;
  readonly channel?: string;
  readonly threshold?: number;
  readonly configuredBy?: string;
}

export interface WireTrustAnchor {
  readonly trustAnchorArn: string;
  readonly trustAnchorId: string;
  readonly notificationSettings: readonly WireNotificationSetting[];
  readonly [field: string]: unknown;
}

export interface WireProfile {
  readonly profileArn: string;
  readonly profileId: string;
  readonly acceptRoleSessionName: boolean;
  readonly attributeMappings: ReadonlyArray<{ readonly certificateField: string; readonly mappingRules: ReadonlyArray<{ readonly specifier: string }> }>;
  readonly [field: string]: unknown;
}

export interface WireBody {
  readonly message: string;
  readonly credentialSet: readonly [WireCredentialSetEntry];
  readonly subjectArn: string;
  readonly trustAnchor: WireTrustAnchor;
  readonly profile: WireProfile;
  readonly [field: string]: unknown;
}
