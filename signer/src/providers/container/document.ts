/**
 * The container-credentials response (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, AWS SDKs and Tools Reference
 * Guide, "Container credential provider"): the JS SDK's `fromHttp` requires all four fields as
 * strings; botocore's `ContainerMetadataFetcher` reads the same names. Errors use `{Code, Message}`,
 * which both surface.
 */
import type { RolesAnywhereCredentials } from '../../types.js';

export interface ContainerCredentialDocument {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly Token: string;
  readonly Expiration: string;
}

export function containerCredentialDocument(creds: RolesAnywhereCredentials): ContainerCredentialDocument {
  return {
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    Token: creds.sessionToken,
    Expiration: creds.expiration,
  };
}

/** Error body of the container format (`{Code, Message}`). */
export function containerErrorDocument(code: string, message: string): { Code: string; Message: string } {
  return { Code: code, Message: message };
}
