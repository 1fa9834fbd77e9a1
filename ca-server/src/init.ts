/**
 * `rapki ca init`: a new CA in its store (docs/ha.md), and a CA directory that points at it.
 *
 * Root (and optionally an intermediate that issues leaves) meeting Roles Anywhere's trust-anchor
 * rules (User Guide, "Signature validation": CA:TRUE, keyCertSign, SHA-256+), keys encrypted with the
 * passphrase (scrypt + AES-256-GCM, `keys/key-encryption.ts`) before they reach the store, the first
 * admin token (shown once, stored hashed) and the root fingerprint clients pin. Certificates, keys,
 * configuration and the admin token go into the store in ONE transaction that is refused when the
 * store already holds a CA (`ca_exists`), so two inits racing on one database cannot both create one,
 * and a crash leaves either the whole CA or nothing. The directory then gets `ca.json` (where the
 * store is) and copies of the certificates (`ca-exports.ts`).
 *
 * With `pkcs11` (`ca init --key pkcs11:…`) the keys are generated on the token instead and never
 * leave it: the root key under the URI's label, the intermediate's (with `intermediate`) under
 * `<label>-issuing` on the same token; the store records their URIs (no PIN), so no passphrase is
 * needed.
 */
import { caExists, caPaths, writeCaDirPointer } from './ca-dir.js';
import { makePrivateDirSync } from '../../common/src/fs/private-dir.js';
import { writeCaExports } from './ca-exports.js';
import { caError } from './errors.js';
import { systemClock, systemRandom, type Clock, type RandomSource } from '../../common/src/clock-and-random.js';
import { ADMIN_TOKEN_PREFIX, hashSecretToken, newSecretToken } from './authority/secret-tokens.js';
import { openStore } from './store/open-store.js';
import { resolveStoreLocation, type StoreLocation } from './store/store-url.js';
import { generateCaKey } from './keys/generate-ca-key.js';
import { caSignerFromPrivateKey } from './keys/ca-signer.js';
import { generatePkcs11CaKey } from './keys/generate-pkcs11-ca-key.js';
import { openPkcs11CaSigner, type Pkcs11CaSigner } from './keys/pkcs11-ca-signer.js';
import type { Pkcs11Deps, Pkcs11FileIo } from '../../common/src/pkcs11/module-path.js';
import { encryptCaKey, type KeyEncryptionOptions } from './keys/key-encryption.js';
import { buildCaCertificate } from './x509/ca-certificate.js';
import { lintCaCertificate } from './x509/lint.js';
import { newSerial } from '../../common/src/x509/serial.js';
import { sha256Fingerprint } from '../../common/src/x509/fingerprint.js';
import { decodeCertificate } from '../../common/src/x509/certificate.js';
import type { CaKeyType, CaSigner } from './x509/types.js';
import type { CaStore } from './store/ca-store.js';

export const DEFAULT_ROOT_SUBJECT = 'CN=rapki Root CA';
export const ROOT_VALIDITY_DAYS = 3650;
export const INTERMEDIATE_VALIDITY_DAYS = 1825;
const DAY_MS = 86_400_000;

export interface InitCaOptions {
  readonly dir: string;
  readonly keyType?: CaKeyType;
  readonly subject?: string;
  readonly intermediate?: boolean;
  /** Encrypts the key files; not needed (ignored) with `pkcs11`. */
  readonly passphrase?: string | undefined;
  /** Generate the keys on a PKCS#11 token instead of in files. */
  readonly pkcs11?: InitCaPkcs11 | undefined;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  /** Cheaper scrypt for tests. */
  readonly keyEncryption?: KeyEncryptionOptions;
  /**
   * Where the store is (default `sqlite:<dir>/ca.db`). A non-default location is recorded in
   * `ca.json` (without a password) so that later commands on the directory find it; replicas name
   * it with `--store-url` (docs/ha.md).
   */
  readonly store?: InitCaStore | undefined;
}

export interface InitCaStore {
  readonly location: StoreLocation;
  /** Record the location in `ca.json` (false for the default SQLite file). */
  readonly record: boolean;
  /** Environment for the PostgreSQL password lookup; default process.env. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly warn?: ((message: string) => void) | undefined;
}

/** `ca init --key pkcs11:URI [--pkcs11-lib PATH]`; PIN from the URI's pin-source or RAPKI_PKCS11_PIN. */
export interface InitCaPkcs11 {
  readonly keyUri: string;
  readonly module?: string | undefined;
  readonly io?: Pkcs11FileIo | undefined;
  readonly deps?: Pkcs11Deps | undefined;
}

/** A new CA key: its signer, and what is stored (encrypted key text, or the token URI). */
interface NewCaKey {
  readonly signer: CaSigner;
  readonly keyText?: string;
  readonly keyUri?: string;
}

async function newCaKey(o: InitCaOptions, keyType: CaKeyType, role: 'root' | 'intermediate', opened: Pkcs11CaSigner[]): Promise<NewCaKey> {
  if (o.pkcs11) {
    const g = await generatePkcs11CaKey({ uri: o.pkcs11.keyUri, role, keyType, pkcs11Lib: o.pkcs11.module, io: o.pkcs11.io, deps: o.pkcs11.deps });
    const signer = await openPkcs11CaSigner({
      keyUri: g.keyUri,
      publicKeySpki: g.publicKeySpki,
      pkcs11Lib: o.pkcs11.module,
      io: o.pkcs11.io,
      deps: o.pkcs11.deps,
    });
    opened.push(signer);
    return { signer, keyUri: g.keyUri };
  }
  const k = await generateCaKey(keyType);
  return { signer: caSignerFromPrivateKey(k.privateKey), keyText: encryptCaKey(k.privateKey, o.passphrase as string, o.keyEncryption) };
}

export interface InitCaResult {
  readonly adminToken: string;
  readonly fingerprint: string;
  /** Absolute path of the root PEM (a copy for distribution). */
  readonly root: string;
  readonly dir: string;
}

export async function initCa(o: InitCaOptions): Promise<InitCaResult> {
  const p = caPaths(o.dir);
  if (caExists(o.dir)) throw caError('ca_exists', `A CA already exists in ${p.dir}; refusing to overwrite it.`);
  if (!o.passphrase && !o.pkcs11) throw caError('passphrase_required');
  const clock = o.clock ?? systemClock;
  const random = o.random ?? systemRandom;
  const keyType = o.keyType ?? 'ec-p256';
  const subject = o.subject ?? DEFAULT_ROOT_SUBJECT;
  const now = clock();
  const notBefore = new Date(now.getTime() - 5 * 60_000);

  makePrivateDirSync(p.dir);

  const location = o.store?.location ?? resolveStoreLocation({ dir: p.dir, env: {} });
  // Opened first: a database that already holds a CA is refused before any key is made.
  const store = await openStore({ location, env: o.store?.env, warn: o.store?.warn });
  const opened: Pkcs11CaSigner[] = [];
  try {
    const st = await store.store.getCaState();
    if (st.config || st.certificates.length > 0) throw caError('ca_exists', `The store ${store.display} already holds a CA; refusing to overwrite it.`);
    return await initWithKeys(
      o,
      p,
      { keyType, subject, now, notBefore, random, store: store.store, display: store.display, recordStore: o.store?.record ? store.display : undefined },
      opened,
    );
  } finally {
    await store.close();
    for (const s of opened) await s.close();
  }
}

async function initWithKeys(
  o: InitCaOptions,
  p: ReturnType<typeof caPaths>,
  c: {
    keyType: CaKeyType;
    subject: string;
    now: Date;
    notBefore: Date;
    random: RandomSource;
    store: CaStore;
    display: string;
    recordStore: string | undefined;
  },
  opened: Pkcs11CaSigner[],
): Promise<InitCaResult> {
  const { keyType, subject, now, notBefore, random, store } = c;
  const rootKey = await newCaKey(o, keyType, 'root', opened);
  const rootSigner = rootKey.signer;
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

  let inter: { der: Uint8Array; key: NewCaKey } | undefined;
  if (o.intermediate) {
    const k = await newCaKey(o, keyType, 'intermediate', opened);
    const s = k.signer;
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
    inter = { der, key: k };
  }

  const fingerprint = sha256Fingerprint(rootDer);
  const interId = inter ? sha256Fingerprint(inter.der) : undefined;
  const adminToken = newSecretToken(ADMIN_TOKEN_PREFIX, random);
  const keyRecord = (caId: string, k: NewCaKey) => ({
    caId,
    kind: k.keyUri !== undefined ? ('pkcs11' as const) : ('encrypted' as const),
    value: (k.keyUri ?? k.keyText) as string,
  });
  const certs = [
    { id: fingerprint, role: 'root' as const, der: rootDer, notAfter: decodeCertificate(rootDer).notAfter, issuing: !inter, state: 'active' as const },
    ...(inter && interId
      ? [
          {
            id: interId,
            role: 'intermediate' as const,
            der: inter.der,
            notAfter: decodeCertificate(inter.der).notAfter,
            issuing: true,
            state: 'active' as const,
          },
        ]
      : []),
  ];
  // One transaction: the whole CA, or nothing (and `ca_exists` when another init won the race).
  await store.updateCaState({
    requireNoCa: true,
    addCertificates: certs,
    putKeys: [keyRecord(fingerprint, rootKey), ...(inter && interId ? [keyRecord(interId, inter.key)] : [])],
    config: {
      keyType,
      subject,
      intermediate: !!inter,
      createdAt: now,
      rootId: fingerprint,
      issuerId: interId ?? fingerprint,
      pkcs11Module: o.pkcs11?.module ?? null,
      rotatedAt: null,
    },
    adminTokens: [{ hash: hashSecretToken(adminToken), role: 'admin', name: 'initial', createdAt: now }],
    audit: [
      {
        time: now,
        actor: 'system',
        action: 'ca.init',
        details: { keyType, subject, intermediate: !!inter, fingerprint, keyStore: o.pkcs11 ? 'pkcs11' : 'file', store: c.display },
      },
      { time: now, actor: 'system', action: 'admin_token.create', details: { name: 'initial', role: 'admin' } },
    ],
  });
  writeCaDirPointer(p.dir, c.recordStore);
  writeCaExports(p.dir, await store.getCaState());
  return { adminToken, fingerprint, root: p.rootCert, dir: p.dir };
}

/** `CN=Example Root,O=Example` → `CN=Example Root Issuing CA,O=Example`. */
function intermediateSubject(rootSubject: string): string {
  const m = /^CN=((?:[^,\\]|\\.)*)(.*)$/.exec(rootSubject);
  if (m) return `CN=${m[1]} Issuing CA${m[2]}`;
  return `CN=rapki Issuing CA,${rootSubject}`;
}
