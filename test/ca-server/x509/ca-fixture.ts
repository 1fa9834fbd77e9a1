/**
 * Test fixture: a CA (root, optionally an intermediate) made with our own key generation and
 * certificate builder, written as PEM files so that openssl can check what we make.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateCaKey, caSignerFromPrivateKey } from '../../../ca-server/src/keys/index.js';
import { buildCaCertificate, type CaKeyType, type CaSigner } from '../../../ca-server/src/x509/index.js';
import { derToPem } from '../../../common/src/x509/pem.js';
import { newSerial } from '../../../common/src/x509/serial.js';
import type { KeyObject } from 'node:crypto';

export interface TestCa {
  readonly keyType: CaKeyType;
  readonly root: { der: Uint8Array; pem: string; path: string; signer: CaSigner; key: KeyObject };
  readonly intermediate?: { der: Uint8Array; pem: string; path: string; signer: CaSigner; key: KeyObject };
  /** The CA that issues leaves. */
  readonly issuer: { der: Uint8Array; pem: string; path: string; signer: CaSigner; key: KeyObject };
}

export const NOW = new Date();
const DAY = 86_400_000;

export async function makeTestCa(dir: string, keyType: CaKeyType, opts: { intermediate?: boolean; name?: string } = {}): Promise<TestCa> {
  const name = opts.name ?? keyType;
  const rootKey = (await generateCaKey(keyType)).privateKey;
  const rootSigner = caSignerFromPrivateKey(rootKey);
  const rootDer = await buildCaCertificate({
    subject: `CN=Test Root ${name},O=Rapki Tests`,
    signer: rootSigner,
    serial: newSerial(randomBytes),
    notBefore: new Date(NOW.getTime() - DAY),
    notAfter: new Date(NOW.getTime() + 3650 * DAY),
    pathLength: opts.intermediate ? 1 : undefined,
  });
  const root = { der: rootDer, pem: derToPem(rootDer, 'CERTIFICATE'), path: join(dir, `${name}-root.pem`), signer: rootSigner, key: rootKey };
  await writeFile(root.path, root.pem);
  if (!opts.intermediate) return { keyType, root, issuer: root };
  const intKey = (await generateCaKey(keyType)).privateKey;
  const intSigner = caSignerFromPrivateKey(intKey);
  const intDer = await buildCaCertificate({
    subject: `CN=Test Issuing ${name},O=Rapki Tests`,
    signer: intSigner,
    issuer: { certificate: rootDer, signer: rootSigner },
    serial: newSerial(randomBytes),
    notBefore: new Date(NOW.getTime() - DAY),
    notAfter: new Date(NOW.getTime() + 1825 * DAY),
    pathLength: 0,
  });
  const intermediate = { der: intDer, pem: derToPem(intDer, 'CERTIFICATE'), path: join(dir, `${name}-int.pem`), signer: intSigner, key: intKey };
  await writeFile(intermediate.path, intermediate.pem);
  return { keyType, root, intermediate, issuer: intermediate };
}
