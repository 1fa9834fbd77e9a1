/**
 * Generates a CA key pair on a PKCS#11 token (`rapki ca init --key pkcs11:…`): the private key is
 * created CKA_SENSITIVE, not CKA_EXTRACTABLE and CKA_TOKEN (it never leaves the token, PKCS#11
 * v2.40 §4.9), and the URI recorded in `ca.json` names it by token, serial, label and a fresh
 * CKA_ID — never with a PIN (`pin-value` is dropped; a `pin-source` path is kept).
 */
import { generatePkcs11KeyPair } from '../../../common/src/pkcs11/generate-key-pair.js';
import type { Pkcs11Deps, Pkcs11FileIo } from '../../../common/src/pkcs11/module-path.js';
import { formatPkcs11Uri, parsePkcs11Uri, type Pkcs11Uri } from '../../../common/src/pkcs11/uri.js';
import type { CaKeyType } from '../x509/types.js';

/** Label of the root key when the URI has no `object=`. */
export const DEFAULT_CA_KEY_LABEL = 'rapki-ca';

export interface GeneratedPkcs11CaKey {
  /** URI of the new private key, for `ca.json` (no PIN). */
  readonly keyUri: string;
  /** DER SubjectPublicKeyInfo of the new key. */
  readonly publicKeySpki: Uint8Array;
}

/**
 * The URI a CA key is generated under: `role` "root" keeps the given label (default
 * {@link DEFAULT_CA_KEY_LABEL}) and id; "intermediate" gets label `<label>-issuing` and a fresh id,
 * so that both keys can live on one token.
 */
export function caKeyGenerationUri(uri: string, role: 'root' | 'intermediate'): Pkcs11Uri {
  const u = parsePkcs11Uri(uri);
  const label = u.object ?? DEFAULT_CA_KEY_LABEL;
  return { ...u, object: role === 'root' ? label : `${label}-issuing`, id: role === 'root' ? u.id : undefined, type: 'private' };
}

export async function generatePkcs11CaKey(o: {
  readonly uri: string;
  readonly role: 'root' | 'intermediate';
  readonly keyType: CaKeyType;
  readonly pkcs11Lib?: string | undefined;
  readonly io?: Pkcs11FileIo | undefined;
  readonly deps?: Pkcs11Deps | undefined;
}): Promise<GeneratedPkcs11CaKey> {
  const want = caKeyGenerationUri(o.uri, o.role);
  const g = await generatePkcs11KeyPair(formatPkcs11Uri(want) + pinValueQuery(want), o.keyType, { pkcs11Lib: o.pkcs11Lib }, o.io, o.deps);
  const recorded = parsePkcs11Uri(g.keyUri);
  return { keyUri: formatPkcs11Uri({ ...recorded, pinSource: want.pinSource }), publicKeySpki: g.spki };
}

/** formatPkcs11Uri never writes pin-value; the generation itself may still need it. */
function pinValueQuery(u: Pkcs11Uri): string {
  if (u.pinValue === undefined || u.pinSource !== undefined) return '';
  const q = `pin-value=${encodeURIComponent(u.pinValue)}`;
  return formatPkcs11Uri(u).includes('?') ? `&${q}` : `?${q}`;
}
