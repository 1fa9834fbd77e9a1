/**
 * verifyServerChain (the first TLS check, against the Amazon Trust Services roots or
 * AWS_CA_BUNDLE) on chains made by openssl, with `openssl verify -purpose sslserver` as the
 * independent reference. The rule under test: it accepts a chain only when openssl accepts it too
 * (stricter is allowed — the caller then lets Node verify — looser never is).
 */
import { X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { AMAZON_TRUST_SERVICES_ROOTS } from '../../../signer/src/session/ats-roots.js';
import { verifyServerChain } from '../../../signer/src/session/server-chain.js';
import { makeServerChain, opensslAccepts, type Chain, type ChainOptions } from '../../support/tls-chain.js';

const der = (pem: string): Uint8Array => new X509Certificate(pem).raw;
const made: Chain[] = [];
function chainOf(o: ChainOptions = {}): Chain {
  const c = makeServerChain(o);
  made.push(c);
  return c;
}
afterAll(() => {
  for (const c of made) rmSync(c.dir, { recursive: true, force: true });
});

const NOW = () => new Date();

/** A self-signed EC certificate for the given SANs, made by openssl. */
function makeSelfSigned(san: string): { pem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rapki-self-'));
  try {
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
        '-subj',
        '/CN=endpoint.test',
        '-days',
        '2',
        '-addext',
        `subjectAltName=${san}`,
        '-addext',
        'extendedKeyUsage=serverAuth',
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    return { pem: readFileSync(join(dir, 'c.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Ours and openssl's verdicts for the chain as a server sends it (leaf + intermediate). */
function verdicts(c: Chain, host: string, now?: Date): { ours: boolean; openssl: boolean; reason?: string } {
  const v = verifyServerChain([der(c.leafPem), der(c.interPem)], host, [der(c.rootPem)], now ?? NOW());
  return { ours: v.ok, openssl: opensslAccepts(c, host, now), ...(v.ok ? {} : { reason: v.reason }) };
}

describe('verifyServerChain against openssl verify -purpose sslserver', () => {
  it('accepts a well-formed RSA and EC chain for its IP and DNS names, as openssl does', () => {
    for (const key of ['rsa:2048', 'ec:P-256', 'ec:P-384']) {
      const c = chainOf({ key, san: 'IP:127.0.0.1,DNS:localhost,DNS:*.endpoint.test' });
      for (const host of ['127.0.0.1', 'localhost', 'a.endpoint.test'])
        expect([key, host, verdicts(c, host)]).toEqual([key, host, { ours: true, openssl: true }]);
    }
  });

  const refused: Array<[string, ChainOptions, string, RegExp]> = [
    ['another host name', {}, 'evil.test', /does not name evil\.test/],
    ['a wildcard two labels deep', { san: 'DNS:*.endpoint.test' }, 'a.b.endpoint.test', /does not name/],
    ['a leaf only for TLS clients', { leafExt: 'extendedKeyUsage=clientAuth\n' }, '127.0.0.1', /not for TLS servers/],
    ['an intermediate that is not a CA', { interExt: 'basicConstraints=critical,CA:FALSE\n' }, '127.0.0.1', /not a CA|no path/],
    ['an intermediate without keyCertSign', { interExt: 'keyUsage=critical,digitalSignature\n' }, '127.0.0.1', /keyCertSign|no path/],
    ['an intermediate only for TLS clients', { interExt: 'extendedKeyUsage=clientAuth\n' }, '127.0.0.1', /not for TLS servers/],
    ['a root whose pathlen forbids the intermediate', { rootExt: 'basicConstraints=critical,CA:TRUE,pathlen:0\n' }, '127.0.0.1', /pathLenConstraint/],
  ];
  it.each(refused)('refuses %s, and so does openssl', (_name, o, host, why) => {
    const v = verdicts(chainOf(o), host);
    expect(v.ours).toBe(false);
    expect(v.reason).toMatch(why);
    expect(v.openssl).toBe(false);
  });

  // Stricter than openssl on purpose: these go to Node's own verification (which accepts them).
  const deferred: Array<[string, ChainOptions, RegExp]> = [
    ['name constraints that permit the host', { interExt: 'nameConstraints=critical,permitted;IP:127.0.0.0/255.0.0.0\n' }, /extension 2\.5\.29\.30/],
    ['certificate policies marked critical', { leafExt: 'certificatePolicies=critical,2.5.29.32.0\n' }, /critical extension 2\.5\.29\.32/],
    ['RSA 1024 keys', { key: 'rsa:1024' }, /RSA key under 2048 bits/],
    ['SHA-1 signatures', { digest: 'sha1' }, /signature algorithm/],
  ];
  it.each(deferred)('leaves %s to Node (openssl accepts)', (_name, o, why) => {
    const v = verdicts(chainOf(o), '127.0.0.1');
    expect(v).toMatchObject({ ours: false, openssl: true });
    expect(v.reason).toMatch(why);
  });

  it('never accepts what openssl refuses, over random combinations of the knobs (seeded)', () => {
    let seed = 1414; // printed on failure through the case label
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const knobs: ChainOptions[] = [
      { interExt: 'extendedKeyUsage=clientAuth\n' },
      { leafExt: 'extendedKeyUsage=clientAuth\n' },
      { rootExt: 'basicConstraints=critical,CA:TRUE,pathlen:0\n' },
      { interExt: 'keyUsage=critical,digitalSignature\n' },
      { san: 'DNS:other.test' },
      { leafExt: 'keyUsage=critical,dataEncipherment\n' },
      {},
      {},
    ];
    for (let i = 0; i < 4; i++) {
      const o = { ...knobs[rand(knobs.length)], ...knobs[rand(knobs.length)], key: ['ec:P-256', 'ec:P-384', 'ec:P-256', 'rsa:2048'][rand(4)] };
      const host = ['127.0.0.1', 'localhost', 'other.test'][rand(3)]!;
      const v = verdicts(chainOf(o), host);
      const label = `case ${i} ${JSON.stringify(o)} ${host}`;
      if (v.ours) expect([label, v.openssl]).toEqual([label, true]);
    }
  });

  it('refuses a chain to another root, and a chain missing its intermediate', () => {
    const a = chainOf();
    const b = chainOf();
    expect(verifyServerChain([der(a.leafPem), der(a.interPem)], '127.0.0.1', [der(b.rootPem)], NOW())).toMatchObject({
      ok: false,
      reason: 'no path to a trusted root',
    });
    expect(verifyServerChain([der(a.leafPem)], '127.0.0.1', [der(a.rootPem)], NOW())).toMatchObject({ ok: false });
    expect(verifyServerChain([], 'x', [der(a.rootPem)], NOW())).toMatchObject({ ok: false });
    expect(verifyServerChain([new Uint8Array([0x30, 0x00])], 'x', [der(a.rootPem)], NOW())).toMatchObject({ ok: false });
  });

  it('accepts a self-signed endpoint certificate that is itself a trust anchor (AWS_CA_BUNDLE holding it), not an issued one', () => {
    const c = chainOf();
    expect(verifyServerChain([der(c.rootPem)], 'x.test', [der(c.rootPem)], NOW())).toMatchObject({ ok: false }); // names no x.test
    // A self-signed certificate naming the host, trusted as itself: openssl accepts it, so do we.
    const self = makeSelfSigned('DNS:endpoint.test,IP:127.0.0.1');
    expect(verifyServerChain([der(self.pem)], '127.0.0.1', [der(self.pem)], NOW())).toEqual({ ok: true, anchor: 'CN=endpoint.test' });
    // An ISSUED leaf listed among the trusted roots is not an anchor for OpenSSL without partial
    // chains (Node 20): it looks for the leaf's issuer and fails. Ours must not be looser.
    const ours = verifyServerChain([der(c.leafPem), der(c.interPem)], '127.0.0.1', [der(c.leafPem)], NOW());
    expect(ours.ok).toBe(false);
    const leafFile = join(c.dir, 'trusted-leaf.pem');
    const interFile = join(c.dir, 'untrusted-inter.pem');
    writeFileSync(leafFile, c.leafPem);
    writeFileSync(interFile, c.interPem);
    const r = spawnSync('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', leafFile, '-untrusted', interFile, leafFile], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
  });

  it('checks validity at its (injected) clock, as openssl -attime does: the leaf expired, the intermediate expired', () => {
    const c = chainOf({ leafDays: 10 });
    const in15 = new Date(Date.now() + 15 * 86400_000); // leaf (10 days) expired, intermediate (20) not
    expect(verdicts(c, '127.0.0.1', in15)).toEqual({ ours: false, openssl: false, reason: 'CN=endpoint.test is outside its validity period' });
    const long = chainOf({ leafDays: 40 });
    const in25 = new Date(Date.now() + 25 * 86400_000); // leaf valid, intermediate (20 days) expired
    expect(verdicts(long, '127.0.0.1', in25)).toEqual({ ours: false, openssl: false, reason: 'CN=Test Intermediate is outside its validity period' });
    expect(verdicts(long, '127.0.0.1', new Date(Date.now() + 5 * 86400_000))).toEqual({ ours: true, openssl: true });
  });
});

describe('Amazon Trust Services roots', () => {
  it('are the five roots of that name in the store bundled with Node', () => {
    expect(AMAZON_TRUST_SERVICES_ROOTS).toHaveLength(5);
    const subjects = AMAZON_TRUST_SERVICES_ROOTS.map((p) => new X509Certificate(p).subject.split('\n').pop());
    expect(subjects).toEqual([
      'CN=Amazon Root CA 1',
      'CN=Amazon Root CA 2',
      'CN=Amazon Root CA 3',
      'CN=Amazon Root CA 4',
      'CN=Starfield Services Root Certificate Authority - G2',
    ]);
    const bundled = new Set(rootCertificates.map((p) => new X509Certificate(p).fingerprint256));
    for (const p of AMAZON_TRUST_SERVICES_ROOTS) expect(bundled.has(new X509Certificate(p).fingerprint256)).toBe(true);
    for (const p of AMAZON_TRUST_SERVICES_ROOTS) expect(new X509Certificate(p).ca).toBe(true);
  });
});
