/**
 * Checks on a certificate the CA just returned, before anything is written to disk: it must parse,
 * carry OUR public key (else the CA answered someone else's request, or a proxy swapped it), chain
 * through the returned intermediates to the pinned root, and the returned root must be the pinned
 * one. Cheap, and it keeps a confused server from leaving a host with a key and certificate that do
 * not belong together.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import type { IssuedCertificate } from './api-types.js';
import { caClientError } from './errors.js';
import { parseCertificates } from './pem.js';

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
  const root = roots[0]!.cert;
  if (!leaf.publicKey.equals(publicKey)) {
    throw caClientError('ca_response_invalid', 'the returned certificate does not hold the key this host generated');
  }
  if (issued.ca) {
    const returnedRoot = parseCertificates(issued.ca)[0];
    if (!returnedRoot || !returnedRoot.der.equals(root.raw)) {
      throw caClientError('ca_response_invalid', 'the CA returned a root that is not the pinned one');
    }
  }
  // Walk leaf -> intermediates -> root by signature.
  let current = leaf;
  const pool = chain.map((c) => c.cert);
  for (let depth = 0; depth <= pool.length; depth++) {
    if (current.checkIssued(root) && current.verify(root.publicKey)) {
      return {
        leaf,
        certificatePem: leafs[0]!.pem,
        chainPem: chain.map((c) => c.pem).join(''),
        rootPem: roots[0]!.pem,
      };
    }
    const next = pool.find((p) => current.checkIssued(p) && current.verify(p.publicKey));
    if (!next) break;
    current = next;
  }
  throw caClientError('ca_response_invalid', 'the returned certificate does not chain to the pinned root');
}
