/**
 * Step 1 of CreateSession: the X.509 SigV4 signature over the canonical request rebuilt from the
 * wire (User Guide, "Signing process"). Every failure is `403 AccessDeniedException: Invalid signature`
 * (rolesanywhere-credential-helper#128); the precise cause goes in the reason header.
 */
import { verify } from 'node:crypto';
import { parseAuthorization, parseAmzDate } from '../auth/authorization-header.js';
import { SIGNING_NAME_ROLESANYWHERE, X509_ALGORITHM_ECDSA, X509_ALGORITHM_RSA, MESSAGES } from '../constants.js';
import type { WireRequest } from '../http/wire-request.js';
import { parseCertificate, type ParsedCertificate } from '../pki/certificate.js';
import { accessDenied } from '../service-error.js';
import { canonicalRequest, stringToSign } from './canonical-request.js';

export interface VerifiedSignature {
  leaf: ParsedCertificate;
  chainDer: Buffer[];
  amzDate: Date;
  rawAmzDate: string;
}

const invalid = (reason: string) => accessDenied(MESSAGES.invalidSignature, reason);

function decodeBase64Der(value: string): Buffer | undefined {
  const v = value.trim();
  if (v === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) return undefined;
  return Buffer.from(v, 'base64');
}

export function verifyX509Signature(wire: WireRequest, region: string): VerifiedSignature {
  const auth = parseAuthorization(wire.headers.authorization);
  if (!auth) throw invalid('malformed_authorization');
  if (auth.algorithm !== X509_ALGORITHM_RSA && auth.algorithm !== X509_ALGORITHM_ECDSA) throw invalid('unsupported_algorithm');
  if (auth.service !== SIGNING_NAME_ROLESANYWHERE || auth.terminator !== 'aws4_request') throw invalid('bad_scope');
  if (auth.region !== region) throw invalid('wrong_region');
  const rawAmzDate = wire.headers['x-amz-date'];
  const amzDate = parseAmzDate(rawAmzDate);
  if (!amzDate || rawAmzDate === undefined) throw invalid('missing_or_bad_x_amz_date');
  if (rawAmzDate.trim().slice(0, 8) !== auth.scopeDate) throw invalid('scope_date_mismatch');
  for (const required of ['host', 'x-amz-date', 'x-amz-x509']) {
    if (!auth.signedHeaders.includes(required)) throw invalid('required_header_not_signed');
  }
  const chainHeader = wire.headers['x-amz-x509-chain'];
  if (chainHeader !== undefined && !auth.signedHeaders.includes('x-amz-x509-chain')) throw invalid('required_header_not_signed');

  const leafDer = decodeBase64Der(wire.headers['x-amz-x509'] ?? '');
  if (!leafDer) throw invalid('malformed_certificate');
  let leaf: ParsedCertificate;
  try {
    leaf = parseCertificate(leafDer);
  } catch {
    throw invalid('malformed_certificate');
  }
  if (auth.credentialId !== leaf.serialDecimal) throw invalid('serial_mismatch');
  const keyType = leaf.publicKey.asymmetricKeyType;
  if ((auth.algorithm === X509_ALGORITHM_RSA) !== (keyType === 'rsa') || (auth.algorithm === X509_ALGORITHM_ECDSA && keyType !== 'ec')) {
    throw invalid('algorithm_key_mismatch');
  }
  const chainDer: Buffer[] = [];
  if (chainHeader !== undefined) {
    for (const part of chainHeader.split(',')) {
      const der = decodeBase64Der(part);
      if (!der) throw invalid('malformed_chain');
      chainDer.push(der);
    }
  }
  const canonical = canonicalRequest(wire, auth.signedHeaders);
  if (canonical === undefined) throw invalid('signed_header_missing');
  const sts = stringToSign(auth.algorithm, rawAmzDate.trim(), auth.scope, canonical);
  let ok: boolean;
  try {
    ok = verify('sha256', Buffer.from(sts, 'utf8'), leaf.publicKey, Buffer.from(auth.signature, 'hex'));
  } catch {
    ok = false;
  }
  if (!ok) throw invalid('bad_signature');
  return { leaf, chainDer, amzDate, rawAmzDate: rawAmzDate.trim() };
}
