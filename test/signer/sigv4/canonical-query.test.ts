import { describe, expect, it } from 'vitest';
import { canonicalQuery } from '../../../signer/src/sigv4/canonical-query.js';

describe('canonicalQuery', () => {
  it('sorts keys and encodes keys and values', () => {
    expect(canonicalQuery({ trustAnchorArn: 'a:b', profileArn: 'p/q', roleArn: 'r r' })).toBe('profileArn=p%2Fq&roleArn=r%20r&trustAnchorArn=a%3Ab');
  });
  it('sorts by byte order (upper case before lower case)', () => {
    expect(canonicalQuery({ b: '1', B: '2', a: '3' })).toBe('B=2&a=3&b=1');
  });
  it('sorts repeated values and renders empty values', () => {
    expect(canonicalQuery({ k: ['z', 'a'], e: '' })).toBe('e=&k=a&k=z');
  });
  it('is empty for no parameters', () => {
    expect(canonicalQuery({})).toBe('');
  });
});
