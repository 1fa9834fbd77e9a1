/**
 * The credential document of `GET /latest/meta-data/iam/security-credentials/<role>`.
 *
 * Key names and order are those of EC2 IMDS (and the helper's Go struct): the AWS SDK for
 * JavaScript (`@smithy/credential-provider-imds`) and botocore (`InstanceMetadataFetcher`) both
 * require `AccessKeyId`, `SecretAccessKey`, `Token` and `Expiration` (roles-anywhere-api.md §4.5).
 */
import type { RolesAnywhereCredentials } from '../../types.js';
import { DOCUMENT_CODE, DOCUMENT_TYPE } from './constants.js';

export interface ImdsCredentialDocument {
  readonly Code: typeof DOCUMENT_CODE;
  readonly LastUpdated: string;
  readonly Type: typeof DOCUMENT_TYPE;
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly Token: string;
  readonly Expiration: string;
}

/** RFC 3339 UTC with second precision, as EC2 writes `LastUpdated` (`2026-01-02T03:04:05Z`). */
export function rfc3339Seconds(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

/** Builds the document; `Expiration` is passed through exactly as CreateSession returned it. */
export function imdsCredentialDocument(creds: RolesAnywhereCredentials, lastUpdated: Date): ImdsCredentialDocument {
  return {
    Code: DOCUMENT_CODE,
    LastUpdated: rfc3339Seconds(lastUpdated),
    Type: DOCUMENT_TYPE,
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    Token: creds.sessionToken,
    Expiration: creds.expiration,
  };
}
