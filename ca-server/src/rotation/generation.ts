/**
 * The next CA ("generation"): made by `rotate start` under `rotation/next/`, loaded as a second
 * issuer while the rotation runs, moved into place by `finish`.
 *
 * What is made (issue 7 "start makes the new CA (root or intermediate)"):
 * - a CA whose root issues leaves gets a NEW ROOT (same subject, new key, new validity): the old
 *   root may be expiring or its key compromised, and there is nothing above it to vouch for a new
 *   issuer;
 * - a CA with an intermediate gets a NEW INTERMEDIATE under the SAME root: hosts and trust anchors
 *   that hold the root need no change of trust at all, only the second CRL slot.
 * Same subject on purpose: Roles Anywhere maps the issuer's RDNs to session tags (ca-landscape
 * §1.1), and trust policies that test `aws:PrincipalTag/x509Issuer/CN` keep working.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { caPaths, ensurePrivateDir, writePrivateFile, type CaDirConfig } from '../ca-dir.js';
import { sha256Hex, type IssuerContext } from '../authority/issuer.js';
import { caError } from '../errors.js';
import type { Clock, RandomSource } from '../authority/deps.js';
import { INTERMEDIATE_VALIDITY_DAYS, ROOT_VALIDITY_DAYS } from '../init.js';
import { caSignerFromPrivateKey } from '../keys/ca-signer.js';
import { generateCaKey } from '../keys/generate-ca-key.js';
import { decryptCaKey, encryptCaKey, type KeyEncryptionOptions } from '../keys/key-encryption.js';
import { buildCaCertificate } from '../x509/ca-certificate.js';
import { decodeCertificate } from '../x509/certificate-reader.js';
import { lintCaCertificate } from '../x509/lint.js';
import { formatDn } from '../x509/dn.js';
import { derToPem, pemToDer } from '../x509/pem.js';
import { newSerial } from '../x509/serial.js';
import type { CaKeyType } from '../x509/types.js';
import { ROTATION_META_FILE, ROTATION_NEXT_DIR } from './constants.js';
import { rotationDir, writeDurable, type GenerationInfo } from './state.js';

const DAY_MS = 86_400_000;

export interface GenerationPaths {
  readonly dir: string;
  readonly rootCert: string;
  readonly rootKey: string;
  readonly intermediateCert: string;
  readonly intermediateKey: string;
  readonly meta: string;
}

export function nextGenerationPaths(caDir: string): GenerationPaths {
  const dir = join(rotationDir(caDir), ROTATION_NEXT_DIR);
  return {
    dir,
    rootCert: join(dir, 'root.pem'),
    rootKey: join(dir, 'root.key.enc'),
    intermediateCert: join(dir, 'intermediate.pem'),
    intermediateKey: join(dir, 'intermediate.key.enc'),
    meta: join(dir, ROTATION_META_FILE),
  };
}

export function readGenerationInfo(caDir: string): GenerationInfo | undefined {
  const p = nextGenerationPaths(caDir);
  if (!existsSync(p.meta)) return undefined;
  return JSON.parse(readFileSync(p.meta, 'utf8')) as GenerationInfo;
}

export interface MakeGenerationOptions {
  readonly caDir: string;
  readonly config: CaDirConfig;
  readonly passphrase: string;
  readonly keyType: CaKeyType;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly keyEncryption?: KeyEncryptionOptions | undefined;
}

/**
 * Makes the next CA unless a complete one is already there (idempotent: a crash half way leaves
 * no `meta.json`, and the files are simply made again).
 */
export async function makeNextGeneration(o: MakeGenerationOptions): Promise<GenerationInfo> {
  const existing = readGenerationInfo(o.caDir);
  if (existing) return existing;
  if (o.config.pkcs11 !== undefined) {
    // The next generation's keys would be files, and finish would leave ca.json naming the old token key.
    throw caError('invalid_request', 'CA rotation is not supported yet for a CA whose keys are on a PKCS#11 token (ca.json "pkcs11").');
  }
  const p = nextGenerationPaths(o.caDir);
  const cur = caPaths(o.caDir);
  ensurePrivateDir(p.dir);
  const now = o.clock();
  const notBefore = new Date(now.getTime() - 5 * 60_000);
  const rootPem = readFileSync(cur.rootCert, 'utf8');
  const rootDer = pemToDer(rootPem, 'CERTIFICATE');
  let info: GenerationInfo;
  if (!o.config.intermediate) {
    const key = await generateCaKey(o.keyType);
    const signer = caSignerFromPrivateKey(key.privateKey);
    const der = await buildCaCertificate({
      subject: o.config.subject,
      signer,
      serial: newSerial(o.random),
      notBefore,
      notAfter: new Date(now.getTime() + ROOT_VALIDITY_DAYS * DAY_MS),
      pathLength: 0,
    });
    lintCaCertificate(der);
    writePrivateFile(p.rootKey, encryptCaKey(key.privateKey, o.passphrase, o.keyEncryption));
    writePrivateFile(p.rootCert, derToPem(der, 'CERTIFICATE'));
    info = { issuerId: sha256Hex(der), rootFingerprint: sha256Hex(der), newRoot: true, keyType: o.keyType };
  } else {
    const rootSigner = caSignerFromPrivateKey(decryptCaKey(readFileSync(cur.rootKey, 'utf8'), o.passphrase));
    const oldInter = decodeCertificate(pemToDer(readFileSync(cur.intermediateCert, 'utf8'), 'CERTIFICATE'));
    const rootNotAfter = decodeCertificate(rootDer).notAfter;
    let notAfter = new Date(now.getTime() + INTERMEDIATE_VALIDITY_DAYS * DAY_MS);
    if (notAfter.getTime() > rootNotAfter.getTime()) notAfter = rootNotAfter;
    const key = await generateCaKey(o.keyType);
    const der = await buildCaCertificate({
      subject: formatDn(oldInter.subject),
      signer: caSignerFromPrivateKey(key.privateKey),
      issuer: { certificate: rootDer, signer: rootSigner },
      serial: newSerial(o.random),
      notBefore,
      notAfter,
      pathLength: 0,
    });
    lintCaCertificate(der, rootDer);
    writePrivateFile(p.intermediateKey, encryptCaKey(key.privateKey, o.passphrase, o.keyEncryption));
    writePrivateFile(p.intermediateCert, derToPem(der, 'CERTIFICATE'));
    info = { issuerId: sha256Hex(der), rootFingerprint: sha256Hex(rootDer), newRoot: false, keyType: o.keyType };
  }
  writeDurable(p.meta, `${JSON.stringify(info, null, 2)}\n`);
  return info;
}

/** Loads the next CA as an issuer (decrypts its key, checks key and certificate match). */
export function loadNextGeneration(caDir: string, passphrase: string): IssuerContext {
  const info = readGenerationInfo(caDir);
  if (!info) throw new Error('no next generation');
  const p = nextGenerationPaths(caDir);
  const cur = caPaths(caDir);
  const rootDer = pemToDer(readFileSync(info.newRoot ? p.rootCert : cur.rootCert, 'utf8'), 'CERTIFICATE');
  const issuingDer = info.newRoot ? rootDer : pemToDer(readFileSync(p.intermediateCert, 'utf8'), 'CERTIFICATE');
  const key = decryptCaKey(readFileSync(info.newRoot ? p.rootKey : p.intermediateKey, 'utf8'), passphrase);
  const signer = caSignerFromPrivateKey(key);
  const decoded = decodeCertificate(issuingDer);
  if (Buffer.compare(Buffer.from(decoded.spki), Buffer.from(signer.publicKeySpki)) !== 0) {
    throw new Error('the next CA key does not match its certificate');
  }
  return {
    certificate: issuingDer,
    signer,
    id: sha256Hex(issuingDer),
    notAfter: decoded.notAfter,
    root: rootDer,
    intermediates: info.newRoot ? [] : [issuingDer],
  };
}
