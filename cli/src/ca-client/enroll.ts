/**
 * Host enrollment (DESIGN.md flow step 4): make a key locally, prove possession with a CSR that
 * carries exactly the token's names, exchange it with the one-time token for a certificate, and
 * store key (0600), certificate, chain and root in a 0700 directory, all or nothing.
 */
import { join } from 'node:path';
import type { CaClient } from './client.js';
import { assertIssued, type EnrollInfo } from './api-types.js';
import { ensurePrivateDir, writeFilesAtomically } from './atomic-files.js';
import { CA_PATHS, ENROLL_FILES } from './constants.js';
import { buildCsrPem } from './csr.js';
import { caClientError } from './errors.js';
import { checkIssued } from './issued.js';
import { generateHostKey } from './key-types.js';
import { parseSan, type San } from './san.js';

export interface EnrollInput {
  readonly client: CaClient;
  readonly token: string;
  readonly outDir: string;
  readonly keyType: string;
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
  const key = await generateHostKey(input.keyType);
  const csr = buildCsrPem({ commonName: subject, sans, privateKey: key.privateKey, publicKey: key.publicKey });
  const issued = assertIssued(await client.json('POST', CA_PATHS.enroll, { json: { token, csr } }));
  const checked = checkIssued(issued, key.publicKey, trust.rootPem);

  const dirState = await ensurePrivateDir(input.outDir, Object.values(ENROLL_FILES));
  if (dirState === 'shared') {
    input.warn?.(`rapki: warning: ${input.outDir} is readable by others and holds other files; left as it is (the key file itself is 0600)`);
  }
  const files = {
    certificate: join(input.outDir, ENROLL_FILES.certificate),
    privateKey: join(input.outDir, ENROLL_FILES.privateKey),
    chain: join(input.outDir, ENROLL_FILES.chain),
    ca: join(input.outDir, ENROLL_FILES.ca),
  };
  const keyPem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  await writeFilesAtomically([
    { path: files.ca, content: checked.rootPem, mode: 0o644 },
    { path: files.chain, content: checked.chainPem, mode: 0o644 },
    { path: files.privateKey, content: keyPem, mode: 0o600 },
    { path: files.certificate, content: checked.certificatePem, mode: 0o644 },
  ]);
  return { serial: issued.serial, notAfter: issued.notAfter, subject, sans: sans.map((s) => `${s.type}:${s.value}`), files };
}
