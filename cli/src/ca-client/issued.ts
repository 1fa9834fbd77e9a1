/**
 * Checks on a certificate the CA just returned, before anything is written to disk: it must parse,
 * carry OUR public key (else the CA answered someone else's request, or a proxy swapped it), chain
 * through the returned intermediates to a root the CA returned, and those roots must include one
 * the host trusts already. Cheap, and it keeps a confused server from leaving a host with a key and
 * certificate that do not belong together.
 *
 * CA rotation (docs/rotation.md): during the overlap the CA returns BOTH roots in `ca`, the new
 * (issuing) one first. The host accepts the new root because the answer came over TLS from a server
 * it authenticated with a root it already trusts, and the returned set still contains that root
 * (continuity); `rootPem` is then the returned set, which becomes the host's `ca.pem`.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import type { IssuedCertificate } from '../../../common/src/contract/types.js';
import { caClientError } from './errors.js';
import { parseCertificates } from './certificate-bundle.js';

export interface CheckedIssue {
  readonly leaf: X509Certificate;
  readonly certificatePem: string;
  readonly chainPem: string;
  readonly rootPem: string;
}

export function checkIssued(issued: IssuedCertificate, publicKey: KeyObject, pinnedRootPem: string): CheckedIssue {
  let leafs, chain, roots;
  try {
    leafs = parseCertificates(issued.certificate);
    chain = parseCertificates(issued.chain ?? '');
    roots = parseCertificates(pinnedRootPem);
  } catch (cause) {
    throw caClientError('ca_response_invalid', 'the CA returned a certificate that does not parse', { cause });
  }
  if (leafs.length !== 1) throw caClientError('ca_response_invalid', 'the CA returned no certificate, or more than one');
  const leaf = leafs[0]!.cert;
  if (!leaf.publicKey.equals(publicKey)) {
    throw caClientError('ca_response_invalid', 'the returned certificate does not hold the key this host generated');
  }
  let anchors = roots;
  if (issued.ca) {
    let returned;
    try {
      returned = parseCertificates(issued.ca);
    } catch (cause) {
      throw caClientError('ca_response_invalid', 'the CA returned a root that does not parse', { cause });
    }
    if (returned.length === 0 || !returned.some((r) => roots.some((p) => p.der.equals(r.der)))) {
      throw caClientError('ca_response_invalid', 'the CA returned a root that is not the pinned one');
    }
    anchors = returned;
  }
  // Walk leaf -> intermediates -> root by signature.
  let current = leaf;
  const pool = chain.map((c) => c.cert);
  for (let depth = 0; depth <= pool.length; depth++) {
    if (anchors.some((a) => current.checkIssued(a.cert) && current.verify(a.cert.publicKey))) {
      return {
        leaf,
        certificatePem: leafs[0]!.pem,
        chainPem: chain.map((c) => c.pem).join(''),
        rootPem: issued.ca ? anchors.map((a) => a.pem).join('') : roots[0]!.pem,
      };
    }
    const next = pool.find((p) => current.checkIssued(p) && current.verify(p.publicKey));
    if (!next) break;
    current = next;
  }
  throw caClientError('ca_response_invalid', 'the returned certificate does not chain to the pinned root');
}

/** Check that a value has the fields of an issued certificate; the protocol is not trusted blindly. */
export function assertIssued(v: unknown): IssuedCertificate {
  const o = v as Partial<IssuedCertificate> | null;
  if (
    !o ||
    typeof o.certificate !== 'string' ||
    typeof o.serial !== 'string' ||
    typeof o.notAfter !== 'string' ||
    (o.chain !== undefined && typeof o.chain !== 'string') ||
    (o.ca !== undefined && typeof o.ca !== 'string')
  ) {
    throw caClientError('ca_response_invalid', 'the CA answered without certificate, serial or notAfter');
  }
  return { ...o, chain: o.chain ?? '' } as IssuedCertificate;
}
