/**
 * A KeySigner whose private key lives on a PKCS#11 token (`pkcs11:` URIs, as
 * aws_signing_helper/pkcs11_signer.go).
 *
 * Selection follows RFC 7512 §3 and the official helper: the certificate is looked for without
 * logging in first (then, if exactly one token matches, after login); the key is looked for on the
 * token the certificate came from, or on the single token the key URI matches. A certificate from a
 * file with a key on a token ("hybrid") is allowed. Before the signer is handed out, a test string is
 * signed on the token and verified with the certificate's public key, so that a key that does not
 * belong to the certificate fails here with `key_certificate_mismatch` instead of as the service's
 * opaque "invalid signature".
 *
 * Signing: CKM_SHA256_RSA_PKCS for RSA (raw CKM_RSA_PKCS over a DigestInfo when the token offers
 * only that), CKM_ECDSA over a SHA-256 digest for EC with r || s converted to DER. The session stays
 * open and logged in until `close()`; signatures are serialized because a PKCS#11 session runs one
 * operation at a time.
 */
import { createHash, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { SignerError } from '../../errors.js';
import type { KeySigner, KeySourceOptions, SignDigest, SigningAlgorithm } from '../../types.js';
import { readFileCertificate, readIntermediates } from '../certificate-files.js';
import { algorithmForKey } from '../key-policy.js';
import { nodeKeyFileIo, type KeyFileIo } from '../read-input.js';
import {
  CKA_ALWAYS_AUTHENTICATE,
  CKA_ID,
  CKA_KEY_TYPE,
  CKA_VALUE,
  CKK_EC,
  CKK_RSA,
  CKM_ECDSA,
  CKM_RSA_PKCS,
  CKO_CERTIFICATE,
  CKO_PRIVATE_KEY,
  CKU_CONTEXT_SPECIFIC,
  DIGEST_INFO_PREFIX,
  KEY_MATCH_TEST_PREFIX,
  MAX_SIGNATURE_BYTES,
  RSA_HASH_MECHANISM,
} from '../../../../common/src/pkcs11/constants.js';
import { pkcs11Failure } from '../../../../common/src/pkcs11/ckr.js';
import { rawEcdsaToDer } from '../../../../common/src/pkcs11/ecdsa-der.js';
import { Pkcs11KeyError } from '../../../../common/src/pkcs11/errors.js';
import { findObjects, readAttribute, readUlong } from '../../../../common/src/pkcs11/find-objects.js';
import { acquireModule, pkcs11jsBinding, type ModuleLease } from '../../../../common/src/pkcs11/module-registry.js';
import type { Handle, Pkcs11Api } from '../../../../common/src/pkcs11/pkcs11-api.js';
import { login, releaseLogin } from '../../../../common/src/pkcs11/login.js';
import { resolvePin } from '../../../../common/src/pkcs11/pin.js';
import {
  describeToken,
  libraryMatches,
  listTokenSlots,
  moduleInfo,
  tokenMatches,
  trimField,
  type TokenSlot,
} from '../../../../common/src/pkcs11/token-match.js';
import { isPkcs11Uri, parsePkcs11Uri, redactPin, type Pkcs11Uri } from '../../../../common/src/pkcs11/uri.js';
import { modulePathFor, type Pkcs11Deps } from '../../../../common/src/pkcs11/module-path.js';
import { closeSession, openSession } from '../../../../common/src/pkcs11/session.js';

export { modulePathFor, type Pkcs11Deps };

const DIGESTS: ReadonlySet<string> = new Set(['sha256', 'sha384', 'sha512']);

interface FoundCertificate {
  readonly slot: TokenSlot;
  readonly session: Handle;
  readonly der: Buffer;
  readonly id: Buffer | undefined;
}

function parseCert(der: Uint8Array, where: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (err) {
    throw new Pkcs11KeyError('pkcs11_unparsable_certificate', `The certificate object ${where} is not valid X.509 DER.`, { cause: err });
  }
}

/** Intermediates found on the token: issuers of the leaf, up to (not including) a self-signed root. */
function chainFromToken(api: Pkcs11Api, session: Handle, leaf: X509Certificate): Buffer[] {
  let all: X509Certificate[];
  try {
    all = findObjects(api, session, { cls: CKO_CERTIFICATE })
      .map((h) => readAttribute(api, session, h, CKA_VALUE))
      .filter((v): v is Buffer => v !== undefined)
      .flatMap((der) => {
        try {
          return [new X509Certificate(der)];
        } catch {
          return [];
        }
      });
  } catch {
    return [];
  }
  const chain: Buffer[] = [];
  let current = leaf;
  for (let i = 0; i < 5; i++) {
    const issuer = all.find((c) => c.fingerprint256 !== current.fingerprint256 && current.checkIssued(c) && current.verify(c.publicKey));
    if (issuer === undefined || (issuer.checkIssued(issuer) && issuer.verify(issuer.publicKey))) break;
    chain.push(issuer.raw);
    current = issuer;
  }
  return chain;
}

function certificatesIn(api: Pkcs11Api, session: Handle, uri: Pkcs11Uri, slot: TokenSlot): Array<{ der: Buffer; id: Buffer | undefined }> {
  return findObjects(api, session, { cls: CKO_CERTIFICATE, label: uri.object, id: uri.id }).flatMap((h) => {
    const der = readAttribute(api, session, h, CKA_VALUE);
    if (der === undefined) return [];
    parseCert(der, `on ${describeToken(slot)}`);
    return [{ der, id: readAttribute(api, session, h, CKA_ID) }];
  });
}

function findCertificate(
  api: Pkcs11Api,
  slots: TokenSlot[],
  uri: Pkcs11Uri,
  uriText: string,
  pin: string | undefined,
  modulePath: string,
): {
  found: FoundCertificate;
  loginKey: string | undefined;
} {
  const candidates = slots.filter((s) => tokenMatches(uri, s));
  if (candidates.length === 0) throw tokenNotFound(slots, uriText);
  const found: FoundCertificate[] = [];
  for (const slot of candidates) {
    const session = openSession(api, slot);
    let mine: Array<{ der: Buffer; id: Buffer | undefined }>;
    try {
      mine = certificatesIn(api, session, uri, slot);
    } catch (err) {
      closeSession(api, session);
      throw err;
    }
    if (mine.length === 0 || found.length > 0) closeSession(api, session);
    for (const c of mine) found.push({ slot, session, ...c });
  }
  let loginKey: string | undefined;
  // RFC 7512 §3 / the helper: private certificates are looked for only when exactly one token matches.
  if (found.length === 0 && candidates.length === 1 && pin !== undefined) {
    const slot = candidates[0] as TokenSlot;
    const session = openSession(api, slot);
    try {
      loginKey = login(api, session, slot, pin, modulePath);
      for (const c of certificatesIn(api, session, uri, slot)) found.push({ slot, session, ...c });
    } catch (err) {
      releaseLogin(api, session, loginKey);
      closeSession(api, session);
      throw err;
    }
    if (found.length === 0) {
      releaseLogin(api, session, loginKey);
      closeSession(api, session);
      loginKey = undefined;
    }
  }
  if (found.length === 0) {
    throw new Pkcs11KeyError(
      'pkcs11_certificate_not_found',
      `No certificate object matches ${redactPin(uriText)} on ${candidates.map(describeToken).join(', ')}.`,
    );
  }
  if (found.length > 1) {
    const first = found[0] as FoundCertificate;
    releaseLogin(api, first.session, loginKey);
    closeSession(api, first.session);
    throw new Pkcs11KeyError(
      'pkcs11_multiple_certificates',
      `${found.length} certificate objects match ${redactPin(uriText)}; add id= or object= to the URI to pick one.`,
    );
  }
  return { found: found[0] as FoundCertificate, loginKey };
}

function tokenNotFound(slots: TokenSlot[], uriText: string): Pkcs11KeyError {
  const have = slots.length === 0 ? 'the module has no token' : `available: ${slots.map(describeToken).join(', ')}`;
  return new Pkcs11KeyError('pkcs11_token_not_found', `No token matches ${redactPin(uriText)} (${have}).`);
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

/** What `sign` needs, fixed at load. */
interface SignPlan {
  readonly keyType: typeof CKK_RSA | typeof CKK_EC;
  /** RSA: the token offers CKM_SHA*_RSA_PKCS (else raw CKM_RSA_PKCS over a DigestInfo). */
  readonly rsaHashMechanisms: ReadonlySet<number>;
  readonly rsaRaw: boolean;
  readonly alwaysAuthenticate: boolean;
}

function planSigning(api: Pkcs11Api, slot: TokenSlot, keyType: number, alwaysAuthenticate: boolean): SignPlan {
  let mechanisms: Set<number>;
  try {
    mechanisms = new Set(api.C_GetMechanismList(slot.slot));
  } catch (err) {
    throw pkcs11Failure('C_GetMechanismList', err);
  }
  if (keyType === CKK_EC) {
    if (!mechanisms.has(CKM_ECDSA)) {
      throw new Pkcs11KeyError('pkcs11_unsupported_mechanism', `${describeToken(slot)} does not offer CKM_ECDSA for its EC key.`);
    }
    return { keyType: CKK_EC, rsaHashMechanisms: new Set(), rsaRaw: false, alwaysAuthenticate };
  }
  const hashMechs = new Set(Object.values(RSA_HASH_MECHANISM).filter((m) => mechanisms.has(m)));
  const rsaRaw = mechanisms.has(CKM_RSA_PKCS);
  if (!hashMechs.has(RSA_HASH_MECHANISM.sha256) && !rsaRaw) {
    throw new Pkcs11KeyError('pkcs11_unsupported_mechanism', `${describeToken(slot)} offers neither CKM_SHA256_RSA_PKCS nor CKM_RSA_PKCS for its RSA key.`);
  }
  return { keyType: CKK_RSA, rsaHashMechanisms: hashMechs, rsaRaw, alwaysAuthenticate };
}

/**
 * Opens the token key (and certificate) named by `opts` and returns a KeySigner; see the module
 * comment for the selection rules. At least one of `opts.certificate` / `opts.privateKey` must be a
 * `pkcs11:` URI; a file private key with a token certificate is refused.
 */
export async function loadPkcs11KeySigner(opts: KeySourceOptions, io: KeyFileIo = nodeKeyFileIo, deps: Pkcs11Deps = {}): Promise<KeySigner> {
  const certIsUri = isPkcs11Uri(opts.certificate);
  if (opts.privateKey !== undefined && !isPkcs11Uri(opts.privateKey)) {
    if (certIsUri) {
      throw new Pkcs11KeyError(
        'pkcs11_unsupported_combination',
        'A pkcs11: --certificate needs its key on the token too: pass --private-key pkcs11:… (or omit it to use the certificate URI), or use files for both.',
      );
    }
    throw new TypeError('loadPkcs11KeySigner needs a pkcs11: certificate or private key');
  }
  const certUri = certIsUri ? parsePkcs11Uri(opts.certificate) : undefined;
  const keyText = opts.privateKey ?? (certIsUri ? opts.certificate : undefined);
  if (keyText === undefined) throw new TypeError('loadPkcs11KeySigner needs a pkcs11: certificate or private key');
  const keyUri = opts.privateKey !== undefined ? parsePkcs11Uri(opts.privateKey) : (certUri as Pkcs11Uri);
  const keyUriDerived = opts.privateKey === undefined;
  const modulePath = modulePathFor(opts, keyUri, certUri);
  const pin = await resolvePin([keyUriDerived ? undefined : keyUri, certUri], { env: deps.env ?? process.env, readFile: (p) => io.readFile(p) });

  // File inputs first: a wrong path fails before any token work.
  const fileCert = certUri === undefined ? await readFileCertificate(io, opts.certificate) : undefined;
  const fileIntermediates = opts.intermediates !== undefined ? await readIntermediates(io, opts.intermediates) : undefined;

  const lease = await acquireModule(modulePath, deps.binding ?? pkcs11jsBinding);
  const api = lease.api;
  let session: Handle | undefined;
  let loginKey: string | undefined;
  /** Set once the signer owns session, login and lease: its close() releases them. */
  let handedOver = false;
  const fail = (err: unknown): never => {
    if (session !== undefined) {
      releaseLogin(api, session, loginKey);
      closeSession(api, session);
    }
    lease.release();
    throw err;
  };

  try {
    const slots = listTokenSlots(api);
    const info = moduleInfo(api);
    for (const [u, text] of [
      [keyUri, keyText],
      [certUri, opts.certificate],
    ] as const) {
      if (u !== undefined && !libraryMatches(u, info)) {
        throw new Pkcs11KeyError(
          'pkcs11_token_not_found',
          `The library-* attributes of ${redactPin(text)} do not match the module ${modulePath} ("${trimField(info.manufacturerID)}", "${trimField(info.libraryDescription)}").`,
        );
      }
    }

    // 1. The certificate.
    let certDer: Buffer;
    let certSlot: TokenSlot | undefined;
    let certId: Buffer | undefined;
    if (certUri !== undefined) {
      const r = findCertificate(api, slots, certUri, opts.certificate, pin, modulePath);
      session = r.found.session;
      loginKey = r.loginKey;
      certDer = r.found.der;
      certSlot = r.found.slot;
      certId = r.found.id;
    } else {
      certDer = (fileCert as { leaf: Buffer }).leaf;
    }
    const x509 = parseCert(certDer, 'given');

    // 2. The token of the key: the certificate's, if the key URI matches it, else the only match.
    const keyCandidates = slots.filter((s) => tokenMatches(keyUri, s));
    let keySlot: TokenSlot;
    if (certSlot !== undefined && keyCandidates.some((s) => s.slotId === certSlot.slotId)) {
      keySlot = certSlot;
    } else if (keyCandidates.length === 1) {
      keySlot = keyCandidates[0] as TokenSlot;
    } else if (keyCandidates.length === 0) {
      throw tokenNotFound(slots, keyText);
    } else {
      throw new Pkcs11KeyError(
        'pkcs11_multiple_tokens',
        `${keyCandidates.length} tokens match ${redactPin(keyText)} (${keyCandidates.map(describeToken).join(', ')}); add token=, serial= or slot-id=.`,
      );
    }
    if (session !== undefined && certSlot !== undefined && certSlot.slotId !== keySlot.slotId) {
      releaseLogin(api, session, loginKey);
      closeSession(api, session);
      session = undefined;
      loginKey = undefined;
    }
    if (session === undefined) session = openSession(api, keySlot);
    if (loginKey === undefined) loginKey = login(api, session, keySlot, pin, modulePath);
    const s = session;

    // 3. The key.
    let keys = findObjects(api, s, { cls: CKO_PRIVATE_KEY, label: keyUri.object, id: keyUri.id });
    if (keys.length === 0 && keyUriDerived && certId !== undefined && certId.length > 0) {
      // The certificate URI named it by label; its key usually shares only the CKA_ID.
      keys = findObjects(api, s, { cls: CKO_PRIVATE_KEY, id: certId });
    }
    if (keys.length > 1 && certId !== undefined && certId.length > 0) {
      const sameId = keys.filter((k) => sameBytes(readAttribute(api, s, k, CKA_ID), certId));
      if (sameId.length === 1) keys = sameId;
    }
    if (keys.length === 0) {
      throw new Pkcs11KeyError('pkcs11_key_not_found', `No private key object matches ${redactPin(keyText)} on ${describeToken(keySlot)}.`);
    }
    if (keys.length > 1) {
      throw new Pkcs11KeyError(
        'pkcs11_multiple_keys',
        `${keys.length} private key objects match ${redactPin(keyText)} on ${describeToken(keySlot)}; add id= or object= to the URI to pick one.`,
      );
    }
    const key = keys[0] as Handle;

    // 4. Key type against the certificate; size and curve rules as for file keys.
    const keyType = readUlong(api, s, key, CKA_KEY_TYPE);
    if (keyType !== CKK_RSA && keyType !== CKK_EC) {
      throw new Pkcs11KeyError(
        'pkcs11_unsupported_key_type',
        `The private key object is of key type ${keyType ?? 'unknown'}; only RSA and EC keys can sign for Roles Anywhere.`,
      );
    }
    const algorithm: SigningAlgorithm = algorithmForKey(x509.publicKey);
    const certType = x509.publicKey.asymmetricKeyType === 'rsa' ? CKK_RSA : CKK_EC;
    if (certType !== keyType) {
      throw new SignerError(
        'key_certificate_mismatch',
        `The token key is ${keyType === CKK_RSA ? 'RSA' : 'EC'} but the certificate (serial ${x509.serialNumber}) holds an ${certType === CKK_RSA ? 'RSA' : 'EC'} key.`,
      );
    }
    const alwaysAuthenticate = readUlong(api, s, key, CKA_ALWAYS_AUTHENTICATE) === 1;
    if (alwaysAuthenticate && (!opts.reusePin || pin === undefined)) {
      throw new Pkcs11KeyError(
        'pkcs11_context_pin_required',
        'The key requires a PIN for every signature (CKA_ALWAYS_AUTHENTICATE); pass --reuse-pin to use the user PIN for it.',
      );
    }
    const plan = planSigning(api, keySlot, keyType, alwaysAuthenticate);

    const chain = fileIntermediates ?? (fileCert ? [] : chainFromToken(api, s, x509));
    const fullChain = [...(fileCert?.chain ?? []), ...chain];

    // 5. The signer, then the key–certificate match check through it.
    handedOver = true;
    const signer = makeSigner({ api, session: s, key, plan, pin, lease, loginKey, certificate: certDer, chain: fullChain, algorithm });
    const test = Buffer.concat([
      Buffer.from(KEY_MATCH_TEST_PREFIX, 'utf8'),
      createHash('sha256')
        .update(x509.publicKey.export({ type: 'spki', format: 'der' }))
        .digest(),
    ]);
    let ok: boolean;
    try {
      const sig = await signer.sign(test);
      ok = cryptoVerify('sha256', test, { key: x509.publicKey, dsaEncoding: 'der' }, sig);
    } catch (err) {
      await signer.close();
      throw err;
    }
    if (!ok) {
      await signer.close();
      throw new SignerError(
        'key_certificate_mismatch',
        `The token key ${redactPin(keyText)} does not belong to the certificate (serial ${x509.serialNumber}): a test signature did not verify with the certificate's public key.`,
      );
    }
    return signer;
  } catch (err) {
    if (handedOver) throw err;
    return fail(err);
  }
}

interface SignerParts {
  readonly api: Pkcs11Api;
  readonly session: Handle;
  readonly key: Handle;
  readonly plan: SignPlan;
  readonly pin: string | undefined;
  readonly lease: ModuleLease;
  readonly loginKey: string | undefined;
  readonly certificate: Uint8Array;
  readonly chain: readonly Uint8Array[];
  readonly algorithm: SigningAlgorithm;
}

function makeSigner(p: SignerParts): KeySigner & { close(): Promise<void> } {
  const { api, session, key, plan } = p;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const signOnce = async (data: Uint8Array, digest: SignDigest): Promise<Uint8Array> => {
    if (closed) throw new Pkcs11KeyError('pkcs11_operation_failed', 'The PKCS#11 signer is closed.');
    let mechanism: number;
    let input: Buffer;
    if (plan.keyType === CKK_EC) {
      mechanism = CKM_ECDSA;
      input = createHash(digest).update(data).digest();
    } else if (plan.rsaHashMechanisms.has(RSA_HASH_MECHANISM[digest])) {
      mechanism = RSA_HASH_MECHANISM[digest];
      input = Buffer.from(data);
    } else if (plan.rsaRaw) {
      mechanism = CKM_RSA_PKCS;
      input = Buffer.concat([DIGEST_INFO_PREFIX[digest], createHash(digest).update(data).digest()]);
    } else {
      throw new Pkcs11KeyError('pkcs11_unsupported_mechanism', `The token offers no RSA mechanism for ${digest.toUpperCase()}.`);
    }
    try {
      api.C_SignInit(session, { mechanism }, key);
    } catch (err) {
      throw pkcs11Failure('C_SignInit', err);
    }
    if (plan.alwaysAuthenticate) {
      try {
        api.C_Login(session, CKU_CONTEXT_SPECIFIC, p.pin);
      } catch (err) {
        throw pkcs11Failure('context-specific login (--reuse-pin)', err);
      }
    }
    let sig: Buffer;
    try {
      sig = await api.C_SignAsync(session, input, Buffer.alloc(MAX_SIGNATURE_BYTES));
    } catch (err) {
      throw pkcs11Failure('C_Sign', err);
    }
    return plan.keyType === CKK_EC ? rawEcdsaToDer(sig) : Uint8Array.from(sig);
  };

  const enqueue = (data: Uint8Array, digest: SignDigest): Promise<Uint8Array> => {
    const run = queue.then(() => signOnce(data, digest));
    queue = run.catch(() => undefined);
    return run;
  };

  return Object.freeze({
    certificate: Uint8Array.from(p.certificate),
    chain: Object.freeze(p.chain.map((c) => Uint8Array.from(c))),
    algorithm: p.algorithm,
    sign(data: Uint8Array): Promise<Uint8Array> {
      return enqueue(data, 'sha256');
    },
    signWithDigest(data: Uint8Array, digest: SignDigest): Promise<Uint8Array> {
      if (!DIGESTS.has(digest)) {
        return Promise.reject(new SignerError('unsupported_digest', `Digest ${String(digest)} is not supported; use SHA256, SHA384 or SHA512.`));
      }
      return enqueue(data, digest);
    },
    async close(): Promise<void> {
      if (closed) return;
      await queue;
      if (closed) return;
      closed = true;
      releaseLogin(api, session, p.loginKey);
      closeSession(api, session);
      p.lease.release();
    },
  });
}
