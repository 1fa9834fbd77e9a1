/**
 * The credential document of `GET /latest/meta-data/iam/security-credentials/<role>`.
 *
 * Key names are those of EC2 IMDS; the order is the official helper's (its Go struct
 * `RefreshableCred`: AccessKeyId, SecretAccessKey, Token, Code, Type, Expiration, LastUpdated), so
 * scripts comparing output see no difference. The AWS SDK for JavaScript
 * (`@smithy/credential-provider-imds`) and botocore (`InstanceMetadataFetcher`) read the fields by
 * name.
 */
import type { RolesAnywhereCredentials } from '../../types.js';
import { DOCUMENT_CODE, DOCUMENT_TYPE } from './constants.js';

export interface ImdsCredentialDocument {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly Token: string;
  readonly Code: typeof DOCUMENT_CODE;
  readonly Type: typeof DOCUMENT_TYPE;
  readonly Expiration: string;
  readonly LastUpdated: string;
}

/** RFC 3339 UTC with second precision, as EC2 writes `LastUpdated` (`2026-01-02T03:04:05Z`). */
export function rfc3339Seconds(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

/** Builds the document; `Expiration` is passed through exactly as CreateSession returned it. */
export function imdsCredentialDocument(creds: RolesAnywhereCredentials, lastUpdated: Date): ImdsCredentialDocument {
  return {
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    Token: creds.sessionToken,
    Code: DOCUMENT_CODE,
    Type: DOCUMENT_TYPE,
    Expiration: creds.expiration,
    LastUpdated: rfc3339Seconds(lastUpdated),
  };
}
