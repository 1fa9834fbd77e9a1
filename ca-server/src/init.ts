/**
 * `rapki ca init`: a new CA in a directory.
 *
 * Root (and optionally an intermediate that issues leaves) meeting Roles Anywhere's trust-anchor
 * rules (ca-landscape §1.1: CA:TRUE, keyCertSign, SHA-256+), keys encrypted at rest with the
 * passphrase (scrypt + AES-256-GCM, `keys/key-encryption.ts`), the first admin token (shown once,
 * stored hashed) and the root fingerprint clients pin.
 */
import { caExists, caPaths, ensurePrivateDir, writePrivateFile, type CaDirConfig } from './ca-dir.js';
import { caError } from './errors.js';
import { systemClock, systemRandom, type Clock, type RandomSource } from './authority/deps.js';
import { ADMIN_TOKEN_PREFIX, hashSecretToken, newSecretToken } from './authority/secret-tokens.js';
import { SqliteCaStore } from './store/sqlite-store.js';
import { generateCaKey } from './keys/generate-ca-key.js';
import { caSignerFromPrivateKey } from './keys/ca-signer.js';
import { encryptCaKey, type KeyEncryptionOptions } from './keys/key-encryption.js';
import { buildCaCertificate } from './x509/ca-certificate.js';
import { lintCaCertificate } from './x509/lint.js';
import { newSerial } from './x509/serial.js';
import { derToPem, fingerprintSha256 } from './x509/pem.js';
import { decodeCertificate } from './x509/certificate-reader.js';
import type { CaKeyType } from './x509/types.js';

export const DEFAULT_ROOT_SUBJECT = 'CN=rapki Root CA';
export const ROOT_VALIDITY_DAYS = 3650;
export const INTERMEDIATE_VALIDITY_DAYS = 1825;
const DAY_MS = 86_400_000;

export interface InitCaOptions {
  readonly dir: string;
  readonly keyType?: CaKeyType;
  readonly subject?: string;
  readonly intermediate?: boolean;
  readonly passphrase: string;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  /** Cheaper scrypt for tests. */
  readonly keyEncryption?: KeyEncryptionOptions;
}

export interface InitCaResult {
  readonly adminToken: string;
  readonly fingerprint: string;
  /** Absolute path of the root PEM. */
  readonly root: string;
  readonly dir: string;
}

export async function initCa(o: InitCaOptions): Promise<InitCaResult> {
  const p = caPaths(o.dir);
  if (caExists(o.dir)) throw caError('ca_exists', `A CA already exists in ${p.dir}; refusing to overwrite it.`);
  if (!o.passphrase) throw caError('passphrase_required');
  const clock = o.clock ?? systemClock;
  const random = o.random ?? systemRandom;
  const keyType = o.keyType ?? 'ec-p256';
  const subject = o.subject ?? DEFAULT_ROOT_SUBJECT;
  const now = clock();
  const notBefore = new Date(now.getTime() - 5 * 60_000);

  ensurePrivateDir(p.dir);

  const rootKey = await generateCaKey(keyType);
  const rootSigner = caSignerFromPrivateKey(rootKey.privateKey);
  let rootDer: Uint8Array;
  try {
    rootDer = await buildCaCertificate({
      subject,
      signer: rootSigner,
      serial: newSerial(random),
      notBefore,
      notAfter: new Date(now.getTime() + ROOT_VALIDITY_DAYS * DAY_MS),
      pathLength: o.intermediate ? 1 : 0,
    });
  } catch (err) {
    throw caError('invalid_request', `The subject "${subject}" is not a valid RFC 4514 DN.`, { cause: err });
  }
  lintCaCertificate(rootDer);

  let inter: { der: Uint8Array; keyText: string } | undefined;
  if (o.intermediate) {
    const k = await generateCaKey(keyType);
    const s = caSignerFromPrivateKey(k.privateKey);
    const der = await buildCaCertificate({
      subject: intermediateSubject(subject),
      signer: s,
      issuer: { certificate: rootDer, signer: rootSigner },
      serial: newSerial(random),
      notBefore,
      notAfter: new Date(now.getTime() + INTERMEDIATE_VALIDITY_DAYS * DAY_MS),
      pathLength: 0,
    });
    lintCaCertificate(der, rootDer);
    inter = { der, keyText: encryptCaKey(k.privateKey, o.passphrase, o.keyEncryption) };
  }

  writePrivateFile(p.rootKey, encryptCaKey(rootKey.privateKey, o.passphrase, o.keyEncryption));
  writePrivateFile(p.rootCert, derToPem(rootDer, 'CERTIFICATE'));
  if (inter) {
    writePrivateFile(p.intermediateKey, inter.keyText);
    writePrivateFile(p.intermediateCert, derToPem(inter.der, 'CERTIFICATE'));
  }

  const fingerprint = fingerprintSha256(rootDer);
  const adminToken = newSecretToken(ADMIN_TOKEN_PREFIX, random);
  const store = SqliteCaStore.open(p.database);
  try {
    const certs = [
      { id: fingerprint, role: 'root' as const, der: rootDer, notAfter: decodeCertificate(rootDer).notAfter, issuing: !inter },
      ...(inter
        ? [{ id: fingerprintSha256(inter.der), role: 'intermediate' as const, der: inter.der, notAfter: decodeCertificate(inter.der).notAfter, issuing: true }]
        : []),
    ];
    await store.putCaCertificates(certs, {
      time: now,
      actor: 'system',
      action: 'ca.init',
      details: { keyType, subject, intermediate: !!inter, fingerprint },
    });
    await store.createAdminToken(
      { hash: hashSecretToken(adminToken), role: 'admin', name: 'initial', createdAt: now },
      { time: now, actor: 'system', action: 'admin_token.create', details: { name: 'initial', role: 'admin' } },
    );
  } finally {
    await store.close();
  }

  const config: CaDirConfig = { version: 1, keyType, subject, intermediate: !!inter, createdAt: now.toISOString(), fingerprint };
  writePrivateFile(p.config, `${JSON.stringify(config, null, 2)}\n`);
  return { adminToken, fingerprint, root: p.rootCert, dir: p.dir };
}

/** `CN=Example Root,O=Example` → `CN=Example Root Issuing CA,O=Example`. */
function intermediateSubject(rootSubject: string): string {
  const m = /^CN=((?:[^,\\]|\\.)*)(.*)$/.exec(rootSubject);
  if (m) return `CN=${m[1]} Issuing CA${m[2]}`;
  return `CN=rapki Issuing CA,${rootSubject}`;
}
