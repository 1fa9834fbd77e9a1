/**
 * Renewal with the current certificate (docs/ca-api.md `POST /v1/renew`): TLS client
 * authentication with the certificate and key on disk, a CSR for the same names with a NEW key by
 * default (rekey limits what a stolen old key is worth), and an atomic swap of the files: new files
 * are written in full, then renamed over the old ones, which stay in place until then.
 *
 * A host whose key is in the TPM (a TSS2 key file, from `enroll --key tpm`) cannot present it over
 * Node's TLS; it proves possession with a signature over the request made inside the TPM
 * (common/src/contract/possession.ts), and its new key is made in the TPM too. The old key file
 * is replaced only after the new certificate came back and checked out, together with it.
 */
import { X509Certificate, createPrivateKey, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { access, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CaClient, ClientIdentity } from './client.js';
import { writeFilesAtomicSync, type PlannedFile } from '../../../common/src/fs/atomic-write.js';
import { CA_PATHS } from '../../../common/src/contract/paths.js';
import { ENROLL_FILES, MAX_PEM_FILE_BYTES, PENDING_TPM_KEY_FILE } from './constants.js';
import { commonNameOf, sansOf } from './cert-names.js';
import { buildCsrPem, buildCsrPemWithSigner } from './csr.js';
import { caClientError } from './errors.js';
import { assertIssued, checkIssued } from './issued.js';
import { generateHostKey, keyTypeOf } from './key-types.js';
import { holdsTss2Key, isTpmHandle } from '../../../signer/src/entry/key-kind.js';
import { possessionMessage } from '../../../common/src/contract/possession.js';
import type { TpmHostKey } from './tpm-key.js';

export interface HostFiles {
  readonly certificate: string;
  readonly privateKey: string;
  /** Intermediates file to replace too; undefined = none. */
  readonly chain?: string | undefined;
  /** Trusted roots file to replace too; undefined = `ca.pem` next to the certificate, when it exists. */
  readonly ca?: string | undefined;
}

interface CurrentBase {
  readonly certificate: X509Certificate;
  readonly certificatePem: string;
  readonly chainPem: string;
}

/** A key file in memory: it authenticates the renewal over TLS. */
export interface CurrentFileCredentials extends CurrentBase {
  readonly kind: 'file';
  readonly privateKey: KeyObject;
  readonly privateKeyPem: string;
}

/** A TPM key (TSS2 key file): it signs the renewal's proof of possession inside the TPM. */
export interface CurrentTpmCredentials extends CurrentBase {
  readonly kind: 'tpm';
  readonly tpmKey: TpmHostKey;
  /** Its password (RAPKI_TPM_KEY_PASSWORD / --tpm-key-password-file); the new key gets the same. */
  readonly tpmKeyPassword: string | undefined;
  /** Environment that says where the TPM is (TPM_DEVICE). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export type CurrentCredentials = CurrentFileCredentials | CurrentTpmCredentials;

/** Secrets the current key may need. */
export interface KeySecrets {
  /** Password of a TPM key. */
  readonly tpmKeyPassword?: string | undefined;
  /** A persistent TPM key (`handle:`) without password (--no-tpm-key-password). */
  readonly noTpmKeyPassword?: boolean | undefined;
  /** Where the TPM is (TPM_DEVICE); default: the process environment. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

async function readSmall(path: string, what: string): Promise<string> {
  try {
    const b = await readFile(path);
    if (b.length > MAX_PEM_FILE_BYTES) throw new Error('too large');
    return b.toString('utf8');
  } catch (cause) {
    throw caClientError('file_invalid', `cannot read the ${what} ${path}`, { cause });
  }
}

/**
 * Refuses `--private-key pkcs11:…` (from `enroll --key pkcs11:…`): renewal proves the current
 * certificate with TLS client authentication, and Node's TLS signs the handshake only with a key
 * object in memory, never through a token. Until then, a token host enrolls again with a new token.
 */
export function refuseTokenKey(privateKey: string | undefined): void {
  if (privateKey !== undefined && /^pkcs11:/i.test(privateKey)) {
    throw caClientError(
      'pkcs11_renew_unsupported',
      '--private-key pkcs11:… is not supported by renew and agent yet (renewal signs the TLS handshake with the key, which Node cannot do through a PKCS#11 token); enroll again with a new token (rapki enroll --key pkcs11:…) before the certificate expires',
    );
  }
}

/**
 * Load the host's current certificate, key and chain, and check that key and certificate match.
 * A TSS2 key file is read, not used: its key is compared with the certificate's public key here, and
 * the TPM is reached only when it signs.
 */
export async function loadCurrent(files: HostFiles, secrets: KeySecrets = {}): Promise<CurrentCredentials> {
  const certificatePem = await readSmall(files.certificate, 'certificate');
  const persistent = isTpmHandle(files.privateKey);
  const privateKeyPem = persistent ? '' : await readSmall(files.privateKey, 'private key');
  const chainPem = files.chain ? await readSmall(files.chain, 'chain').catch(() => '') : '';
  let certificate: X509Certificate;
  let privateKey: KeyObject;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch (cause) {
    throw caClientError('file_invalid', `${files.certificate} is not a PEM certificate`, { cause });
  }
  if (persistent || holdsTss2Key(Buffer.from(privateKeyPem, 'utf8'))) {
    const tpm = await import('./tpm-key.js');
    const env = secrets.env ?? process.env;
    if (persistent) await finishPersistentSwap(files, certificate, secrets, env);
    const tpmKey = persistent
      ? await tpm.tpmHostKeyAtHandle(files.privateKey, secrets.tpmKeyPassword, secrets.noTpmKeyPassword === true, { env })
      : await tpm.tpmHostKeyFromPem(privateKeyPem, files.privateKey, secrets.tpmKeyPassword, { env });
    if (!tpmKey.spki.equals(certificate.publicKey.export({ type: 'spki', format: 'der' }))) {
      throw caClientError('file_invalid', `${files.privateKey} is not the key of ${files.certificate}`);
    }
    return { kind: 'tpm', certificate, certificatePem, chainPem, tpmKey, tpmKeyPassword: secrets.tpmKeyPassword, env };
  }
  try {
    privateKey = createPrivateKey(privateKeyPem);
  } catch (cause) {
    throw caClientError('file_invalid', `${files.privateKey} is not an unencrypted PEM private key`, { cause });
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw caClientError('file_invalid', `${files.privateKey} is not the key of ${files.certificate}`);
  }
  return { kind: 'file', certificate, certificatePem, privateKey, privateKeyPem, chainPem };
}

/**
 * The client identity to present over TLS: the current leaf (plus chain) and its key; none for a
 * TPM key (it proves possession in the request instead).
 */
export function identityOf(current: CurrentCredentials): ClientIdentity | undefined {
  if (current.kind === 'tpm') return undefined;
  return { certificatePem: current.certificatePem + current.chainPem, privateKeyPem: current.privateKeyPem };
}

/** Default chain file: `chain.pem` next to the certificate, when it exists. */
export async function defaultChainPath(certificatePath: string): Promise<string | undefined> {
  const p = join(dirname(certificatePath), ENROLL_FILES.chain);
  try {
    await access(p);
    return p;
  } catch {
    return undefined;
  }
}

/** Default CA file: `ca.pem` next to the certificate (what `enroll` wrote), when it exists. */
export async function defaultCaPath(certificatePath: string): Promise<string | undefined> {
  const p = join(dirname(certificatePath), ENROLL_FILES.ca);
  try {
    await access(p);
    return p;
  } catch {
    return undefined;
  }
}

export interface RenewInput {
  readonly client: CaClient;
  readonly files: HostFiles;
  readonly current: CurrentCredentials;
  /** Key type of the new key; undefined = same type as the current key. */
  readonly keyType?: string | undefined;
  /** Keep the current key instead of generating a new one. */
  readonly reuseKey?: boolean;
  /** Clock of the proof of possession (TPM keys). */
  readonly now?: (() => Date) | undefined;
}

export interface RenewResult {
  readonly serial: string;
  readonly previousSerial: string;
  readonly notAfter: string;
}

/**
 * New keys of renewals not yet on disk, by current certificate and key type. The CA renews a
 * certificate once (security.md C26); when its answer is lost (timeout, reset) or the files cannot
 * be written, the next attempt of the same process (the renewal loop's retry) sends the SAME key,
 * which the CA answers with the certificate it already issued instead of `certificate_superseded`.
 */
const pendingKeys = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();
/** The same for TPM keys: the new key's TSS2 key file, kept in memory until it is on disk. */
const pendingTpmKeys = new Map<string, TpmHostKey>();

export async function renew(input: RenewInput): Promise<RenewResult> {
  if (input.current.kind === 'tpm') return renewTpm(input, input.current);
  const { client, files } = input;
  const current = input.current;
  const trust = await client.trust();
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  let pendingId: string | undefined;
  if (input.reuseKey) {
    privateKey = current.privateKey;
    publicKey = createPublicKey(privateKey);
  } else {
    const type = input.keyType ?? keyTypeOf(current.privateKey) ?? 'ec-p256';
    pendingId = `${current.certificate.fingerprint256}|${type}`;
    const pending = pendingKeys.get(pendingId) ?? (await generateHostKey(type));
    pendingKeys.set(pendingId, pending);
    ({ privateKey, publicKey } = pending);
  }
  const csr = buildCsrPem({
    commonName: commonNameOf(current.certificate),
    sans: sansOf(current.certificate),
    privateKey,
    publicKey,
  });
  const issued = assertIssued(await client.json('POST', CA_PATHS.renew, { json: { csr } }));
  // Every root the host trusts now counts (ca.pem holds two during a CA rotation, docs/rotation.md).
  const checked = checkIssued(issued, publicKey, trust.caPems.join(''));
  const planned: PlannedFile[] = [];
  if (files.chain) planned.push({ path: files.chain, content: checked.chainPem, mode: 0o644 });
  // The roots the CA returned (both during a rotation, the new one alone after it) become ca.pem.
  const caFile = files.ca ?? (await defaultCaPath(files.certificate));
  if (caFile && issued.ca) planned.push({ path: caFile, content: checked.rootPem, mode: 0o644 });
  if (!input.reuseKey) {
    planned.push({ path: files.privateKey, content: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, mode: 0o600 });
  }
  planned.push({ path: files.certificate, content: checked.certificatePem, mode: 0o644 });
  writeFilesAtomicSync(planned);
  if (pendingId !== undefined) pendingKeys.delete(pendingId);
  return {
    serial: issued.serial,
    previousSerial: current.certificate.serialNumber.toLowerCase(),
    notAfter: issued.notAfter,
  };
}

/** Signs a test text with the current TPM key and verifies it with the certificate (one TPM round trip). */
export async function checkTpmKey(current: CurrentTpmCredentials): Promise<void> {
  const test = Buffer.from('rapki agent TPM key check v1', 'utf8');
  const sig = await current.tpmKey.signer.sign(test);
  if (!cryptoVerify('sha256', test, { key: current.certificate.publicKey, dsaEncoding: 'der' }, sig)) {
    throw caClientError('file_invalid', `the TPM key does not sign for the certificate's public key`);
  }
}

/** `2026-01-02T03:04:05Z`: the proof's time, whole seconds (docs/ca-api.md). */
function proofTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Renewal of a TPM host: new key made in the TPM (same type and password unless told), CSR signed
 * there, the request's proof of possession signed by the current TPM key, files swapped only once the
 * new certificate is checked. The old key file (the old TPM key) is gone with that swap and not before.
 */
async function renewTpm(input: RenewInput, current: CurrentTpmCredentials): Promise<RenewResult> {
  const { client, files } = input;
  const trust = await client.trust();
  let key: TpmHostKey;
  let pendingId: string | undefined;
  if (input.reuseKey) {
    key = current.tpmKey;
  } else {
    const type = input.keyType ?? current.tpmKey.keyType ?? 'ec-p256';
    pendingId = `${current.certificate.fingerprint256}|${type}`;
    const pending = pendingTpmKeys.get(pendingId);
    if (pending !== undefined) key = pending;
    else {
      const { generateTpmHostKey } = await import('./tpm-key.js');
      key = await generateTpmHostKey(type, current.tpmKeyPassword, { env: current.env });
    }
    pendingTpmKeys.set(pendingId, key);
  }
  const csr = await buildCsrPemWithSigner({
    commonName: commonNameOf(current.certificate),
    sans: sansOf(current.certificate),
    spki: key.spki,
    signer: key.signer,
  });
  const signedAt = proofTime((input.now ?? (() => new Date()))());
  const signature = Buffer.from(await current.tpmKey.signer.sign(possessionMessage(signedAt, csr))).toString('base64');
  const issued = assertIssued(await client.json('POST', CA_PATHS.renew, { json: { csr, certificate: current.certificatePem, signedAt, signature } }));
  const checked = checkIssued(issued, key.publicKey, trust.caPems.join(''));
  const planned: PlannedFile[] = [];
  if (files.chain) planned.push({ path: files.chain, content: checked.chainPem, mode: 0o644 });
  const caFile = files.ca ?? (await defaultCaPath(files.certificate));
  if (caFile && issued.ca) planned.push({ path: caFile, content: checked.rootPem, mode: 0o644 });
  const handle = current.tpmKey.handle;
  if (!input.reuseKey && handle === undefined) planned.push({ path: files.privateKey, content: key.pem, mode: 0o600 });
  planned.push({ path: files.certificate, content: checked.certificatePem, mode: 0o644 });
  if (!input.reuseKey && handle !== undefined) {
    // A persistent key: the new key's file goes next to the certificate first, so that a crash
    // between the certificate and the TPM swap is finished at the next start (finishPersistentSwap).
    writeFilesAtomicSync([{ path: pendingKeyPath(files), content: key.pem, mode: 0o600 }]);
    writeFilesAtomicSync(planned);
    const { replacePersistentKey } = await import('./tpm-key.js');
    await replacePersistentKey(handle, key, { env: current.env });
    await rm(pendingKeyPath(files), { force: true });
  } else {
    writeFilesAtomicSync(planned);
  }
  if (pendingId !== undefined) pendingTpmKeys.delete(pendingId);
  return {
    serial: issued.serial,
    previousSerial: current.certificate.serialNumber.toLowerCase(),
    notAfter: issued.notAfter,
  };
}

/** Where the new key of a persistent-handle renewal waits until it is in the TPM. */
function pendingKeyPath(files: HostFiles): string {
  return join(dirname(files.certificate), PENDING_TPM_KEY_FILE);
}

/**
 * Finishes a persistent-key renewal that stopped between writing the certificate and swapping the
 * key in the TPM: when the pending key file holds the certificate's key and the handle does not,
 * the swap is done now. A pending file for another key (the renewal stopped before its
 * certificate was written) is dropped.
 */
async function finishPersistentSwap(
  files: HostFiles,
  certificate: X509Certificate,
  secrets: KeySecrets,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const path = pendingKeyPath(files);
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch {
    return; // none: the usual case
  }
  const tpm = await import('./tpm-key.js');
  const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  const pending = await tpm.tpmHostKeyFromPem(pem, path, secrets.tpmKeyPassword, { env });
  if (pending.spki.equals(spki)) {
    const { parseTpmHandle, readPersistentPublic, publicKeyOf } = await import('../../../signer/src/entry/tpm.js');
    const handle = parseTpmHandle(files.privateKey);
    const there = await readPersistentPublic(handle, { env });
    const thereSpki = there === undefined ? undefined : publicKeyOf(there).export({ type: 'spki', format: 'der' });
    if (thereSpki === undefined || !thereSpki.equals(spki)) await tpm.replacePersistentKey(handle, pending, { env });
  }
  await rm(path, { force: true });
}
