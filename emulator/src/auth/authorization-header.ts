/**
 * Parses a SigV4 `Authorization` header (HMAC or X.509 variant):
 * `<alg> Credential=<id>/<date>/<region>/<service>/aws4_request, SignedHeaders=a;b, Signature=<hex>`
 * (AWS SigV4 "Task 4"; Roles Anywhere User Guide, "Signing process"). Returns undefined when the
 * header is malformed.
 */
export interface ParsedAuthorization {
  algorithm: string;
  credentialId: string;
  scopeDate: string;
  region: string;
  service: string;
  terminator: string;
  scope: string;
  signedHeaders: string[];
  signature: string;
}

const HEADER_RE = /^(\S+) +Credential=([^,\s]+), *SignedHeaders=([^,\s]+), *Signature=([0-9a-fA-F]+)$/;

export function parseAuthorization(value: string | undefined): ParsedAuthorization | undefined {
  if (value === undefined) return undefined;
  const m = HEADER_RE.exec(value.trim());
  if (!m) return undefined;
  const [, algorithm, credential, signedHeaders, signature] = m as unknown as [string, string, string, string, string];
  const parts = credential.split('/');
  if (parts.length !== 5) return undefined;
  const [credentialId, scopeDate, region, service, terminator] = parts as [string, string, string, string, string];
  if (!/^\d{8}$/.test(scopeDate) || credentialId === '' || region === '' || service === '') return undefined;
  const headers = signedHeaders.split(';');
  if (headers.some((h) => h === '' || h !== h.toLowerCase())) return undefined;
  return {
    algorithm,
    credentialId,
    scopeDate,
    region,
    service,
    terminator,
    scope: `${scopeDate}/${region}/${service}/${terminator}`,
    signedHeaders: headers,
    signature: signature.toLowerCase(),
  };
}

/** Parses `YYYYMMDDTHHMMSSZ` (X-Amz-Date); undefined when malformed. */
export function parseAmzDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value.trim());
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** `YYYYMMDDTHHMMSSZ` for messages. */
export function formatAmzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
