import { createHash } from 'node:crypto';

/**
 * Lower-case hex SHA-256 of the exact body bytes (SigV4 "Task 1", last line of the canonical
 * request). A string is hashed as UTF-8.
 */
export function payloadHash(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}
