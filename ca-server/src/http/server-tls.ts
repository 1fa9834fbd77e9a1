/**
 * The CA server's own TLS certificate: issued by the issuing CA, with this node's names in its SAN
 * (`--tls-san`, else the listen host; plus the loopback names), kept in `D/tls/` (each replica its
 * own, docs/ha.md) and reissued when the name set changes, the issuer changes, or less than a third
 * of its lifetime is left. Clients pin the root, so this certificate
 * can rotate freely. Issued through the authority's X.509 port (serial, signature, lint), like a
 * leaf; the running server checks it on a schedule (`server-tls-renewal.ts`).
 */
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { Clock } from '../../../common/src/clock-and-random.js';
import type { IssuerContext } from '../authority/issuer.js';
import { ensurePrivateDir, writePrivateFile, type CaPaths } from '../ca-dir.js';
import { caError } from '../errors.js';
import type { X509Port } from '../authority/x509-port.js';
import type { CaStore } from '../store/ca-store.js';
import type { SubjectAltName } from '../x509/types.js';
import { decodeCertificate } from '../../../common/src/x509/certificate.js';
import { serialHexFromContent } from '../../../common/src/x509/serial.js';

/** Serial of a certificate (canonical hex), for the audit record. */
function serialOf(der: Uint8Array): string {
  return serialHexFromContent(decodeCertificate(der).serial);
}

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
  issuer: IssuerContext;
  x509: X509Port;
  listenHost: string;
  /** `--tls-san` names (canonical), replacing the listen host. */
  tlsSans?: readonly string[] | undefined;
  clock: Clock;
  days: number;
  store?: CaStore;
}): Promise<ServerTls> {
  const sans = serverSans(o.listenHost, o.tlsSans);
  const hosts = sans.map((s) => `${s.type}:${s.value}`);
  const now = o.clock();
  const intermediates = o.issuer.intermediates.map((d) => o.x509.toPem(d, 'CERTIFICATE')).join('');
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
  if (o.issuer.notAfter.getTime() <= now.getTime() + 10 * 60_000) {
    throw caError('not_ready', `The issuing CA certificate expires at ${o.issuer.notAfter.toISOString()}; no server certificate can be issued from it. Rotate the CA (docs/rotation.md).`);
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }));
  const notBefore = new Date(now.getTime() - 5 * 60_000);
  let notAfter = new Date(now.getTime() + o.days * 86_400_000);
  if (notAfter.getTime() > o.issuer.notAfter.getTime()) notAfter = o.issuer.notAfter;
  const der = await o.x509.issueLeaf({
    issuerCertificate: o.issuer.certificate,
    issuerSigner: o.issuer.signer,
    subject: 'CN=rapki CA server',
    sans,
    publicKeySpki: spki,
    serial: o.x509.newSerial(),
    notBefore,
    notAfter,
    extKeyUsage: ['serverAuth'],
  });
  await o.x509.lintLeaf(der, o.issuer.certificate, sans);
  ensurePrivateDir(o.paths.tlsDir);
  const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const certPem = o.x509.toPem(der, 'CERTIFICATE') + intermediates;
  writePrivateFile(o.paths.tlsKey, keyPem);
  writePrivateFile(o.paths.tlsCert, certPem);
  const meta: Meta = { hosts, issuerId: o.issuer.id, notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString() };
  writePrivateFile(o.paths.tlsMeta, `${JSON.stringify(meta, null, 2)}\n`);
  await o.store?.appendAudit({
    time: now,
    actor: 'system',
    action: 'server_cert.issue',
    details: { hosts, notAfter: meta.notAfter, serial: serialOf(der), issuerId: o.issuer.id },
  });
  return { key: keyPem, cert: certPem, notAfter, reissued: true };
}
