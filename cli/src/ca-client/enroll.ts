/**
 * Host enrollment (docs/host.md "Enroll"): make a key locally, prove possession with a CSR that
 * carries exactly the token's names, exchange it with the one-time token for a certificate, and
 * store key (0600), certificate, chain and root in a 0700 directory, all or nothing.
 * With `key` (a pkcs11: URI) the key is generated on the token instead (`./token-key.ts`) and no
 * key file is written: the result names the key by its URI, for `--private-key`. With `key: 'tpm'`
 * the key is generated inside the TPM (`./tpm-key.ts`) and its TSS2 key file, usable only with this
 * TPM, is written as the private key file (0600).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaClient } from './client.js';
import type { EnrollInfo } from '../../../common/src/contract/types.js';
import { writeFilesAtomicSync } from '../../../common/src/fs/atomic-write.js';
import { ensurePrivateDir } from './private-dir.js';
import { CA_PATHS } from '../../../common/src/contract/paths.js';
import { ENROLL_FILES } from './constants.js';
import { buildCsrPem, buildCsrPemWithSigner } from './csr.js';
import { caClientError } from './errors.js';
import { assertIssued, checkIssued } from './issued.js';
import { generateHostKey } from './key-types.js';
import { parseSan, type San } from './san.js';

/** `--key tpm`: the key is generated in the TPM. */
export const TPM_KEY = 'tpm';

export interface EnrollInput {
  readonly client: CaClient;
  readonly token: string;
  readonly outDir: string;
  readonly keyType: string;
  /** `--key pkcs11:…`: generate the key on this token (no key file is written); `--key tpm`: in the TPM. */
  readonly key?: string | undefined;
  /** `--key tpm`: the new key's password (none: a key without password). */
  readonly tpmKeyPassword?: string | undefined;
  /** `--pkcs11-lib` for `key`. */
  readonly pkcs11Lib?: string | undefined;
  /** Environment for the PKCS#11 PIN fallback (RAPKI_PKCS11_PIN). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Names for the CSR; when absent they are asked from the server (`POST /v1/enroll/info`). */
  readonly subject?: string | undefined;
  readonly sans?: readonly string[] | undefined;
  readonly warn?: (message: string) => void;
}

export interface EnrollResult {
  readonly serial: string;
  readonly notAfter: string;
  readonly subject: string;
  readonly sans: readonly string[];
  /** `privateKey` is the key file, or the token key's pkcs11: URI (no PIN) with `key`. */
  readonly files: { certificate: string; privateKey: string; chain: string; ca: string };
}

export async function enroll(input: EnrollInput): Promise<EnrollResult> {
  const { client, token } = input;
  // Pin first: a wrong fingerprint fails here, before the token leaves the host.
  const trust = await client.trust();
  let subject = input.subject;
  let sans: San[] = (input.sans ?? []).map(parseSan);
  if (subject === undefined) {
    const info = await client.json<EnrollInfo>('POST', CA_PATHS.enrollInfo, { json: { token } });
    if (!info || typeof info.subject !== 'string' || !Array.isArray(info.sans)) {
      throw caClientError('ca_response_invalid', 'the CA answered /v1/enroll/info without subject and sans');
    }
    subject = info.subject;
    sans = info.sans.map(parseSan);
  }
  let publicKey: KeyObject;
  let csr: string;
  let keyPem: string | undefined;
  let tokenKeyUri: string | undefined;
  if (input.key === TPM_KEY) {
    const { generateTpmHostKey } = await import('./tpm-key.js');
    const tpmKey = await generateTpmHostKey(input.keyType, input.tpmKeyPassword, { env: input.env ?? {} });
    csr = await buildCsrPemWithSigner({ commonName: subject, sans, spki: tpmKey.spki, signer: tpmKey.signer });
    publicKey = tpmKey.publicKey;
    keyPem = tpmKey.pem;
  } else if (input.key !== undefined) {
    const { generateTokenKey } = await import('./token-key.js');
    const tokenKey = await generateTokenKey({ uri: input.key, keyType: input.keyType, pkcs11Lib: input.pkcs11Lib, env: input.env ?? {} });
    try {
      csr = await buildCsrPemWithSigner({ commonName: subject, sans, spki: tokenKey.spki, signer: tokenKey.signer });
    } finally {
      await tokenKey.close();
    }
    publicKey = createPublicKey({ key: Buffer.from(tokenKey.spki), format: 'der', type: 'spki' });
    tokenKeyUri = tokenKey.keyUri;
  } else {
    const key = await generateHostKey(input.keyType);
    csr = buildCsrPem({ commonName: subject, sans, privateKey: key.privateKey, publicKey: key.publicKey });
    publicKey = key.publicKey;
    keyPem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  }
  const issued = assertIssued(await client.json('POST', CA_PATHS.enroll, { json: { token, csr } }));
  const checked = checkIssued(issued, publicKey, trust.rootPem);

  const dirState = await ensurePrivateDir(input.outDir, Object.values(ENROLL_FILES));
  if (dirState === 'shared') {
    input.warn?.(`rapki: warning: ${input.outDir} is readable by others and holds other files; left as it is (the key file itself is 0600)`);
  }
  const keyFile = join(input.outDir, ENROLL_FILES.privateKey);
  const files = {
    certificate: join(input.outDir, ENROLL_FILES.certificate),
    privateKey: tokenKeyUri ?? keyFile,
    chain: join(input.outDir, ENROLL_FILES.chain),
    ca: join(input.outDir, ENROLL_FILES.ca),
  };
  if (tokenKeyUri !== undefined && (await exists(keyFile))) {
    input.warn?.(
      `rapki: warning: ${keyFile} is left from an earlier enrollment and does not belong to the new certificate; the key is on the token now (delete the file)`,
    );
  }
  // All files reach the disk before any is renamed; the key is renamed just before the certificate,
  // so a reader sees a new key with the old certificate for one rename at most, and the signer's
  // key loader (signer/src/keys/load-key-signer.ts) reads both once more after a mismatch.
  writeFilesAtomicSync([
    { path: files.ca, content: checked.rootPem, mode: 0o644 },
    { path: files.chain, content: checked.chainPem, mode: 0o644 },
    ...(keyPem !== undefined ? [{ path: keyFile, content: keyPem, mode: 0o600 }] : []),
    { path: files.certificate, content: checked.certificatePem, mode: 0o644 },
  ]);
  return { serial: issued.serial, notAfter: issued.notAfter, subject, sans: sans.map((s) => `${s.type}:${s.value}`), files };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
