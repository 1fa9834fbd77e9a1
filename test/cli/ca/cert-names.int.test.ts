import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commonNameOf, sansOf } from '../../../cli/src/ca-client/cert-names.js';
import { genKey, makeTempDir, openssl, removeTempDir } from '../../support/openssl.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('rapki-names-');
});
afterAll(() => removeTempDir(dir));

async function certWith(subject: string, san: string | undefined, config?: string): Promise<X509Certificate> {
  const key = await genKey(dir, `k${Math.random()}.key`, 'ec:P-256');
  const out = join(dir, `c${Math.random()}.pem`);
  const args = ['req', '-x509', '-new', '-key', key, '-subj', subject, '-days', '1', '-out', out];
  if (config) args.push('-config', config, '-extensions', 'v3');
  if (san) args.push('-addext', `subjectAltName=${san}`);
  await openssl(args);
  return new X509Certificate(await readFile(out));
}

describe('names of an existing certificate', () => {
  it('reads CN and every SAN kind', async () => {
    const c = await certWith('/O=Example/CN=web-1', 'DNS:web-1.example.com,IP:10.0.0.7,IP:2001:db8::1,URI:spiffe://example/web,email:ops@example.com');
    expect(commonNameOf(c)).toBe('web-1');
    expect(sansOf(c)).toEqual([
      { type: 'dns', value: 'web-1.example.com' },
      { type: 'ip', value: '10.0.0.7' },
      { type: 'ip', value: '2001:db8:0:0:0:0:0:1' }, // Node prints IPv6 expanded; same 16 bytes in the CSR
      { type: 'uri', value: 'spiffe://example/web' },
      { type: 'email', value: 'ops@example.com' },
    ]);
  });
  it('handles no SANs and values with commas', async () => {
    expect(sansOf(await certWith('/CN=a', undefined))).toEqual([]);
    const cfg = join(dir, 'comma.cnf');
    await writeFile(cfg, '[req]\ndistinguished_name=dn\n[dn]\n[v3]\nsubjectAltName=@alt\n[alt]\nURI.1=http://x/a,b\n');
    const c = await certWith('/CN=b', undefined, cfg);
    expect(sansOf(c).map((s) => s.value)).toEqual(['http://x/a,b']);
  });
});
