/**
 * A private key on a PKCS#11 token, opened for signing by URI (RFC 7512 §3): the one token the
 * URI's token attributes match, the one private key object its `object`/`id` match. Used by the
 * CA for a token-held signing key (`rapki ca init --key pkcs11:…`); the signer's key sources keep
 * their own loader because they also find certificates on the token.
 *
 * The session stays open and logged in until `close()`. Signatures are serialized: a PKCS#11
 * session runs one operation at a time (PKCS#11 v2.40 §5.2), and C_SignAsync runs the module call
 * on the libuv pool so the event loop keeps serving while the token signs.
 */
import { readFile } from 'node:fs/promises';
import { CKA_ALWAYS_AUTHENTICATE, CKA_KEY_TYPE, CKK_EC, CKK_RSA, CKO_PRIVATE_KEY, MAX_SIGNATURE_BYTES } from './constants.js';
import { pkcs11Failure } from './ckr.js';
import { Pkcs11KeyError } from './errors.js';
import { findObjects, readUlong } from './find-objects.js';
import { login, releaseLogin } from './login.js';
import { modulePathFor, type Pkcs11Deps, type Pkcs11FileIo } from './module-path.js';
import { acquireModule, pkcs11jsBinding } from './module-registry.js';
import type { Handle } from './pkcs11-api.js';
import { resolvePin } from './pin.js';
import { closeSession, openSession } from './session.js';
import { describeToken, libraryMatches, listTokenSlots, moduleInfo, tokenMatches } from './token-match.js';
import { parsePkcs11Uri, redactPin } from './uri.js';

/** An open private key on a token. */
export interface TokenKey {
  /** CKK_RSA or CKK_EC. */
  readonly keyType: typeof CKK_RSA | typeof CKK_EC;
  /** Mechanisms the token offers (C_GetMechanismList), to pick hash-and-sign or raw RSA. */
  readonly mechanisms: ReadonlySet<number>;
  /** Token label and serial, for messages. */
  readonly token: string;
  /** C_SignInit + C_Sign with `mechanism` (no parameters) over `input`; serialized. */
  sign(mechanism: number, input: Uint8Array): Promise<Buffer>;
  /** Logs out (if last), closes the session and releases the module. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the private key `uri` names. PIN: `pin-value`/`pin-source` of the URI, else
 * RAPKI_PKCS11_PIN (`deps.env`); module: `opts.pkcs11Lib`, else `module-path`, else p11-kit-proxy.
 * Errors are {@link Pkcs11KeyError}s (`pkcs11_wrong_pin`, `pkcs11_key_not_found`, …).
 */
export async function openTokenKey(
  uri: string,
  opts: { readonly pkcs11Lib?: string | undefined } = {},
  io: Pkcs11FileIo = { readFile: (p) => readFile(p) },
  deps: Pkcs11Deps = {},
): Promise<TokenKey> {
  const u = parsePkcs11Uri(uri);
  const modulePath = modulePathFor(opts, u, undefined);
  const pin = await resolvePin([u], { env: deps.env ?? process.env, readFile: (p) => io.readFile(p) });
  const lease = await acquireModule(modulePath, deps.binding ?? pkcs11jsBinding);
  const api = lease.api;
  let session: Handle | undefined;
  let loginKey: string | undefined;
  try {
    if (!libraryMatches(u, moduleInfo(api))) {
      throw new Pkcs11KeyError('pkcs11_token_not_found', `The library-* attributes of ${redactPin(uri)} do not match the module ${modulePath}.`);
    }
    const slots = listTokenSlots(api).filter((s) => tokenMatches(u, s));
    if (slots.length !== 1) {
      throw new Pkcs11KeyError(
        slots.length === 0 ? 'pkcs11_token_not_found' : 'pkcs11_multiple_tokens',
        `${slots.length === 0 ? 'No token' : `${slots.length} tokens`} match ${redactPin(uri)}; name exactly one with token= or serial=.`,
      );
    }
    const slot = slots[0]!;
    session = openSession(api, slot);
    loginKey = login(api, session, slot, pin, modulePath);
    const s = session;
    const keys = findObjects(api, s, { cls: CKO_PRIVATE_KEY, label: u.object, id: u.id });
    if (keys.length !== 1) {
      throw new Pkcs11KeyError(
        keys.length === 0 ? 'pkcs11_key_not_found' : 'pkcs11_multiple_keys',
        keys.length === 0
          ? `No private key object matches ${redactPin(uri)} on ${describeToken(slot)}.`
          : `${keys.length} private key objects match ${redactPin(uri)} on ${describeToken(slot)}; add id= or object= to the URI to pick one.`,
      );
    }
    const key = keys[0]!;
    const keyType = readUlong(api, s, key, CKA_KEY_TYPE);
    if (keyType !== CKK_RSA && keyType !== CKK_EC) {
      throw new Pkcs11KeyError(
        'pkcs11_unsupported_key_type',
        `The private key object is of key type ${keyType ?? 'unknown'}; only RSA and EC keys are supported.`,
      );
    }
    if (readUlong(api, s, key, CKA_ALWAYS_AUTHENTICATE) === 1) {
      throw new Pkcs11KeyError(
        'pkcs11_context_pin_required',
        'The key requires a PIN for every signature (CKA_ALWAYS_AUTHENTICATE), which an unattended CA cannot give.',
      );
    }
    let mechanisms: Set<number>;
    try {
      mechanisms = new Set(api.C_GetMechanismList(slot.slot));
    } catch (err) {
      throw pkcs11Failure('C_GetMechanismList', err);
    }
    let queue: Promise<unknown> = Promise.resolve();
    let closed = false;
    const signOnce = async (mechanism: number, input: Uint8Array): Promise<Buffer> => {
      if (closed) throw new Pkcs11KeyError('pkcs11_operation_failed', 'The PKCS#11 key is closed.');
      try {
        api.C_SignInit(s, { mechanism }, key);
      } catch (err) {
        throw pkcs11Failure('C_SignInit', err);
      }
      try {
        return await api.C_SignAsync(s, Buffer.from(input), Buffer.alloc(MAX_SIGNATURE_BYTES));
      } catch (err) {
        throw pkcs11Failure('C_Sign', err);
      }
    };
    const lk = loginKey;
    return Object.freeze({
      keyType,
      mechanisms,
      token: describeToken(slot),
      sign(mechanism: number, input: Uint8Array): Promise<Buffer> {
        const run = queue.then(() => signOnce(mechanism, input));
        queue = run.catch(() => undefined);
        return run;
      },
      async close(): Promise<void> {
        if (closed) return;
        await queue;
        if (closed) return;
        closed = true;
        releaseLogin(api, s, lk);
        closeSession(api, s);
        lease.release();
      },
    });
  } catch (err) {
    if (session !== undefined) {
      releaseLogin(api, session, loginKey);
      closeSession(api, session);
    }
    lease.release();
    throw err;
  }
}
