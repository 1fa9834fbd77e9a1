/**
 * `nextToken`/`pageSize` paging for the List operations (API Reference, ListTrustAnchors …). The token is
 * opaque to clients: base64url of `{collection, offset}`; a token from another list is refused.
 */
import { LIMITS } from '../constants.js';
import { constraintViolation, validation } from '../service-error.js';

export function paginate<T>(collection: string, items: readonly T[], query: URLSearchParams): { page: T[]; nextToken?: string } {
  const rawSize = query.get('pageSize');
  let pageSize: number = LIMITS.pageSizeDefault;
  if (rawSize !== null) {
    if (!/^-?\d+$/.test(rawSize)) throw validation(`Invalid value for 'pageSize': ${rawSize.slice(0, 20)}`);
    pageSize = Number(rawSize);
    if (pageSize < 1) throw constraintViolation('pageSize', pageSize, 'Member must have value greater than or equal to 1');
    if (pageSize > LIMITS.pageSizeMax) {
      throw constraintViolation('pageSize', pageSize, `Member must have value less than or equal to ${LIMITS.pageSizeMax}`);
    }
  }
  let offset = 0;
  const token = query.get('nextToken');
  if (token !== null) {
    if (token.length < 1 || token.length > LIMITS.nextTokenMax) {
      throw constraintViolation('nextToken', token, `Member must have length less than or equal to ${LIMITS.nextTokenMax}`);
    }
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { c?: unknown; o?: unknown };
      if (parsed.c !== collection || typeof parsed.o !== 'number' || !Number.isInteger(parsed.o) || parsed.o < 0) throw new Error('bad');
      offset = parsed.o;
    } catch {
      throw validation('Invalid pagination token');
    }
  }
  const page = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return next < items.length ? { page, nextToken: Buffer.from(JSON.stringify({ c: collection, o: next })).toString('base64url') } : { page };
}
