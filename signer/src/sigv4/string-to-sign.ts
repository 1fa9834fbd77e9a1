import { createHash } from 'node:crypto';

/**
 * SigV4 string to sign (User Guide, "Signing process", Task 2): algorithm, X-Amz-Date, credential scope
 * and the lower-case hex SHA-256 of the canonical request, joined by `\n`, no trailing newline.
 */
export function stringToSign(algorithm: string, amzDate: string, scope: string, canonicalRequest: string): string {
  const hash = createHash('sha256').update(canonicalRequest, 'utf8').digest('hex');
  return `${algorithm}\n${amzDate}\n${scope}\n${hash}`;
}
