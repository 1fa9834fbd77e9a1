/**
 * The next CA ("generation"): made by `rotate start` and stored (certificate in the state `next`,
 * key encrypted with the CA passphrase) in the same transaction that records the step, loaded as a
 * second issuer while the rotation runs, made the CA by `finish`.
 *
 * What is made (`start` makes the new CA, root or intermediate, as the CA has; docs/rotation.md):
 * - a CA whose root issues leaves gets a NEW ROOT (same subject, new key, new validity): the old
 *   root may be expiring or its key compromised, and there is nothing above it to vouch for a new
 *   issuer;
 * - a CA with an intermediate gets a NEW INTERMEDIATE under the SAME root: hosts and trust anchors
 *   that hold the root need no change of trust at all, only the second CRL slot.
 * Same subject on purpose: Roles Anywhere maps the issuer's RDNs to session tags (User Guide,
 * "Certificate attribute mapping"), and trust policies that test `aws:PrincipalTag/x509Issuer/CN`
 * keep working.
 */
import type { IssuerContext } from '../authority/issuer.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import type { CaConfig } from '../ca-dir.js';
import { caError } from '../errors.js';
import type { Clock, RandomSource } from '../../../common/src/clock-and-random.js';
import { INTERMEDIATE_VALIDITY_DAYS, ROOT_VALIDITY_DAYS } from '../init.js';
import { caSignerFromPrivateKey } from '../keys/ca-signer.js';
import { generateCaKey } from '../keys/generate-ca-key.js';
import { encryptCaKey, type KeyEncryptionOptions } from '../keys/key-encryption.js';
import { openIssuingKey } from '../keys/issuing-key.js';
import type { CaStore } from '../store/ca-store.js';
import type { CaCertificateRecord, CaKeyRecord, CaState } from '../store/types.js';
import { buildCaCertificate } from '../x509/ca-certificate.js';
import { decodeCertificate } from '../../../common/src/x509/certificate.js';
import { lintCaCertificate } from '../x509/lint.js';
import { formatDn } from '../x509/dn.js';
import { newSerial } from '../../../common/src/x509/serial.js';
import type { CaKeyType } from '../x509/types.js';
import type { GenerationInfo } from './state.js';

const DAY_MS = 86_400_000;

export interface MakeGenerationOptions {
  readonly store: CaStore;
  readonly state: CaState;
  readonly config: CaConfig;
  readonly passphrase: string;
  readonly keyType: CaKeyType;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly keyEncryption?: KeyEncryptionOptions | undefined;
}

/** A new CA, not stored yet: the caller stores it with the rotation step (one transaction). */
export interface NextGeneration {
  readonly info: GenerationInfo;
  readonly certificate: CaCertificateRecord;
  readonly key: CaKeyRecord;
}

/** Makes the next CA (nothing is stored here). */
export async function makeNextGeneration(o: MakeGenerationOptions): Promise<NextGeneration> {
  if (o.config.pkcs11 !== undefined) {
    // The next generation's key would be an encrypted one, and the CA would mix key kinds.
    throw caError('invalid_request', 'CA rotation is not supported yet for a CA whose keys are on a PKCS#11 token.');
  }
  const now = o.clock();
  const notBefore = new Date(now.getTime() - 5 * 60_000);
  const rootRec = o.state.certificates.find((c) => c.id === o.config.fingerprint);
  if (!rootRec) throw caError('ca_config_invalid', 'The store holds no root certificate.');
  const key = await generateCaKey(o.keyType);
  const signer = caSignerFromPrivateKey(key.privateKey);
  let der: Uint8Array;
  let info: GenerationInfo;
  if (!o.config.intermediate) {
    der = await buildCaCertificate({
      subject: o.config.subject,
      signer,
      serial: newSerial(o.random),
      notBefore,
      notAfter: new Date(now.getTime() + ROOT_VALIDITY_DAYS * DAY_MS),
      pathLength: 0,
    });
    lintCaCertificate(der);
    info = { issuerId: sha256Fingerprint(der), rootFingerprint: sha256Fingerprint(der), newRoot: true, keyType: o.keyType };
  } else {
    const root = await openIssuingKey({ store: o.store, state: o.state, passphrase: o.passphrase, which: 'root' });
    try {
      const oldInter = o.state.certificates.find((c) => c.id === o.config.issuerId);
      if (!oldInter) throw caError('ca_config_invalid', 'The store holds no issuing certificate.');
      const rootNotAfter = decodeCertificate(rootRec.der).notAfter;
      let notAfter = new Date(now.getTime() + INTERMEDIATE_VALIDITY_DAYS * DAY_MS);
      if (notAfter.getTime() > rootNotAfter.getTime()) notAfter = rootNotAfter;
      der = await buildCaCertificate({
        subject: formatDn(decodeCertificate(oldInter.der).subject),
        signer,
        issuer: { certificate: rootRec.der, signer: root.issuer.signer },
        serial: newSerial(o.random),
        notBefore,
        notAfter,
        pathLength: 0,
      });
    } finally {
      await root.close();
    }
    lintCaCertificate(der, rootRec.der);
    info = { issuerId: sha256Fingerprint(der), rootFingerprint: rootRec.id, newRoot: false, keyType: o.keyType };
  }
  return {
    info,
    certificate: {
      id: info.issuerId,
      role: info.newRoot ? 'root' : 'intermediate',
      der,
      notAfter: decodeCertificate(der).notAfter,
      issuing: true,
      state: 'next',
    },
    key: { caId: info.issuerId, kind: 'encrypted', value: encryptCaKey(key.privateKey, o.passphrase, o.keyEncryption) },
  };
}

/** Loads the next CA from the store as an issuer (decrypts its key, checks key and certificate match). */
export async function loadNextGeneration(store: CaStore, state: CaState, issuerId: string, passphrase: string): Promise<IssuerContext> {
  const opened = await openIssuingKey({ store, state, passphrase, which: { id: issuerId } });
  return opened.issuer;
}
