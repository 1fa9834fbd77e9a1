/**
 * The CA server's own TLS certificate on this node: its names (`--tls-san`, else the listen host;
 * plus the loopback names), the node-local key and files in `D/tls/` (each replica its own,
 * docs/ha.md), and when to reissue: when the name set changes, the issuer changes, or less than a
 * third of its lifetime is left. Clients pin the root, so this certificate can rotate freely. The
 * authority signs and audits it (`authority/server-certificate.ts`); the running server checks it
 * on a schedule (`server-tls-renewal.ts`).
 */
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { Clock } from '../../../common/src/clock-and-random.js';
import type { CertificateAuthority } from '../authority/authority.js';
import type { IssuerContext } from '../authority/issuer.js';
import { type CaPaths } from '../ca-dir.js';
import { makePrivateDirSync } from '../../../common/src/fs/private-dir.js';
import { writeFileAtomicSync } from '../../../common/src/fs/atomic-write.js';
import type { SubjectAltName } from '../x509/types.js';

/** What the server needs of the authority here. */
export type ServerCertificateIssuer = Pick<CertificateAuthority, 'issueServerCertificate'>;

export interface ServerTls {
  readonly key: string;
  /** Server certificate followed by the intermediates. */
  readonly cert: string;
  readonly notAfter: Date;
  readonly reissued: boolean;
}

interface Meta {
  hosts: string[];
  issuerId: string;
  notBefore: string;
  notAfter: string;
}

/** SAN entries for a listen host, or for the names given (`--tls-san`, canonical `type:value`). */
export function serverSans(listenHost: string, given?: readonly string[]): SubjectAltName[] {
  const names = new Set<string>(['dns:localhost', 'ip:127.0.0.1', 'ip:::1']);
  const wildcard = listenHost === '0.0.0.0' || listenHost === '::' || listenHost === '';
  if (given && given.length > 0) for (const g of given) names.add(g);
  else if (wildcard) names.add(`dns:${hostname().toLowerCase()}`);
  else if (isIP(listenHost)) names.add(`ip:${listenHost}`);
  else names.add(`dns:${listenHost.toLowerCase()}`);
  return [...names].sort().map((s) => {
    const i = s.indexOf(':');
    return { type: s.slice(0, i) as 'dns' | 'ip', value: s.slice(i + 1) };
  });
}

/** Whether a certificate valid `notBefore`..`notAfter` is due for reissue at `now` (a third of its life left). */
export function renewalDue(notBefore: Date, notAfter: Date, now: Date): boolean {
  const nb = notBefore.getTime();
  const na = notAfter.getTime();
  return !(na - now.getTime() > (na - nb) / 3);
}

export async function ensureServerTls(o: {
  paths: CaPaths;
  /** The CA the certificate must come from now. */
  issuer: IssuerContext;
  authority: ServerCertificateIssuer;
  listenHost: string;
  /** `--tls-san` names (canonical), replacing the listen host. */
  tlsSans?: readonly string[] | undefined;
  clock: Clock;
  days: number;
}): Promise<ServerTls> {
  const sans = serverSans(o.listenHost, o.tlsSans);
  const hosts = sans.map((s) => `${s.type}:${s.value}`);
  const now = o.clock();
  if (existsSync(o.paths.tlsMeta) && existsSync(o.paths.tlsCert) && existsSync(o.paths.tlsKey)) {
    try {
      const meta = JSON.parse(readFileSync(o.paths.tlsMeta, 'utf8')) as Meta;
      const nb = new Date(meta.notBefore);
      const na = new Date(meta.notAfter);
      const fresh = !Number.isNaN(nb.getTime()) && !Number.isNaN(na.getTime()) && !renewalDue(nb, na, now);
      if (fresh && meta.issuerId === o.issuer.id && JSON.stringify(meta.hosts) === JSON.stringify(hosts)) {
        return { key: readFileSync(o.paths.tlsKey, 'utf8'), cert: readFileSync(o.paths.tlsCert, 'utf8'), notAfter: na, reissued: false };
      }
    } catch {
      /* reissue below */
    }
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }));
  const issued = await o.authority.issueServerCertificate({ issuer: o.issuer, sans, publicKeySpki: spki, days: o.days });
  makePrivateDirSync(o.paths.tlsDir);
  const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  writeFileAtomicSync(o.paths.tlsKey, keyPem);
  writeFileAtomicSync(o.paths.tlsCert, issued.chainPem);
  const meta: Meta = { hosts, issuerId: o.issuer.id, notBefore: issued.notBefore.toISOString(), notAfter: issued.notAfter.toISOString() };
  writeFileAtomicSync(o.paths.tlsMeta, `${JSON.stringify(meta, null, 2)}\n`);
  return { key: keyPem, cert: issued.chainPem, notAfter: issued.notAfter, reissued: true };
}
