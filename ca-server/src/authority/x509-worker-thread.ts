/**
 * Entry of the X.509 worker thread (bundled as `dist/ca-x509-worker.mjs`, started by
 * `x509-offload.ts`). It runs the two CPU-heavy, key-free steps of an issuance: parsing a CSR
 * with its proof-of-possession check (RFC 2986 §3: the self-signature) and the Roles Anywhere lint
 * of the signed leaf, which re-verifies the CA signature. The CA private key never enters this
 * thread: signing stays on the main thread.
 *
 * Why a thread: node runs JavaScript on one core; on a 2-core machine the main thread is busy with
 * TLS, HTTP and SQLite while these two steps (two ECDSA verifications and a key import, most of the
 * issuance CPU) can run on the other core.
 */
import { parentPort } from 'node:worker_threads';
import { isRapkiError } from '../../../common/src/errors.js';
import { parseCsr } from '../x509/csr.js';
import { lintLeafCertificate } from '../x509/lint.js';
import type { X509WorkerReply, X509WorkerRequest } from './x509-worker-protocol.js';

/**
 * The issuer certificate arrives as a fresh copy with every lint; the lint caches issuer data
 * (key import, AKI) by array identity, so identical bytes are mapped to one array first.
 */
const issuers = new Map<string, Uint8Array>();

function canonicalIssuer(der: Uint8Array): Uint8Array {
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('latin1');
  let one = issuers.get(key);
  if (!one) {
    if (issuers.size >= 16) issuers.clear();
    issuers.set(key, (one = der));
  }
  return one;
}

function handle(msg: X509WorkerRequest): X509WorkerReply {
  try {
    if (msg.op === 'parseCsr') return { id: msg.id, ok: true, value: parseCsr(msg.pem) };
    lintLeafCertificate(msg.der, canonicalIssuer(msg.issuerDer), { sans: msg.sans });
    return { id: msg.id, ok: true, value: undefined };
  } catch (err) {
    return {
      id: msg.id,
      ok: false,
      code: isRapkiError(err) ? err.code : undefined,
      message: err instanceof Error ? err.message : String(err),
    };
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (msg: X509WorkerRequest) => port.postMessage(handle(msg)));
}
