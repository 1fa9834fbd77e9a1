/**
 * Getting a TPM key ready to sign: a TSS2 key file is loaded under its parent (a persistent
 * storage key, or the primary that TPM2_CreatePrimary makes again from the standard template
 * under the hierarchy the file names); a persistent handle is used as it is. The TPM's response
 * codes are turned into what they mean here: a parent that is not there, a key made under another
 * parent, a wrong password, a dictionary-attack lockout.
 */
import {
  TPM_CC_CREATE_PRIMARY,
  TPM_CC_LOAD,
  TPM_CC_READ_PUBLIC,
  TPM_CC_SIGN,
  TPM_RC_ATTRIBUTES,
  TPM_RC_AUTH_FAIL,
  TPM_RC_BAD_AUTH,
  TPM_RC_HANDLE,
  TPM_RC_INTEGRITY,
  TPM_RC_KEY_SIZE,
  TPM_RC_LOCKOUT,
  TPM_RC_SIZE,
  TPM_RC_TYPE,
  TPM_RC_VALUE,
  TPMA_OBJECT_NO_DA,
} from './constants.js';
import type { TpmSignature } from './commands.js';
import { TpmKeyError } from './errors.js';
import { isPersistentHandle, type Tss2KeyFile } from './key-file.js';
import { objectName, storagePrimaryTemplate, type TpmPublic } from './public-area.js';
import { rcSubject, TpmResponseError, type TpmClient } from './tpm-client.js';

/** `0x81000001`. */
export function hex(handle: number): string {
  return `0x${handle.toString(16).padStart(8, '0')}`;
}

function failed(err: unknown, command: number, base: number): boolean {
  return err instanceof TpmResponseError && err.command === command && err.base === base;
}

/** The parent of a key file as a loaded or persistent handle (a primary is flushed with the client). */
export async function loadParent(tpm: TpmClient, kf: Tss2KeyFile, source: string): Promise<number> {
  let handle: number;
  let name: Buffer | undefined;
  if (isPersistentHandle(kf.parent)) {
    handle = kf.parent;
    if (kf.parentName !== undefined) {
      try {
        name = (await tpm.readPublic(handle)).name;
      } catch (err) {
        throw parentMissing(err, kf, source);
      }
    }
  } else {
    try {
      const primary = await tpm.createPrimary(kf.parent, storagePrimaryTemplate(kf.rsaParent));
      handle = primary.handle;
      if (kf.parentName !== undefined) name = objectName(primary.outPublic);
    } catch (err) {
      if (err instanceof TpmResponseError && err.command === TPM_CC_CREATE_PRIMARY) {
        throw new TpmKeyError(
          'tpm_command_failed',
          `${source}: the TPM did not make the storage key under hierarchy ${hex(kf.parent)} (${err.message}); a hierarchy password or a disabled hierarchy is not supported.`,
          { cause: err },
        );
      }
      throw err;
    }
  }
  if (name !== undefined && kf.parentName !== undefined && !name.equals(kf.parentName)) {
    throw wrongParent(kf, source);
  }
  return handle;
}

function parentMissing(err: unknown, kf: Tss2KeyFile, source: string): unknown {
  if (err instanceof TpmResponseError && err.base === TPM_RC_HANDLE && (err.command === TPM_CC_LOAD || err.command === TPM_CC_READ_PUBLIC)) {
    return new TpmKeyError(
      'tpm_parent_not_found',
      `${source} was made under the persistent key ${hex(kf.parent)}, which is not in this TPM. Make the parent persistent again at that handle, or enroll a new key (rapki enroll --key tpm).`,
      { cause: err },
    );
  }
  return err;
}

function wrongParent(kf: Tss2KeyFile, source: string, cause?: unknown): TpmKeyError {
  return new TpmKeyError(
    'tpm_key_wrong_parent',
    `${source} was made under another parent than ${isPersistentHandle(kf.parent) ? `the key at ${hex(kf.parent)}` : `the storage key of hierarchy ${hex(kf.parent)}`} of this TPM: it belongs to another TPM, or the TPM was cleared since. A TPM key cannot move; enroll a new key on this host (rapki enroll --key tpm).`,
    cause === undefined ? undefined : { cause },
  );
}

/** Load errors that mean "this private blob was not made under that parent". */
const WRONG_PARENT_RCS: ReadonlySet<number> = new Set([TPM_RC_INTEGRITY, TPM_RC_SIZE, TPM_RC_VALUE, TPM_RC_KEY_SIZE, TPM_RC_TYPE, TPM_RC_ATTRIBUTES]);

/** Loads a TSS2 key file; resolves with its transient handle (flushed with the client). */
export async function loadKeyFile(tpm: TpmClient, kf: Tss2KeyFile, source: string): Promise<number> {
  const parent = await loadParent(tpm, kf, source);
  try {
    return await tpm.load(parent, kf.private2b, kf.public2b);
  } catch (err) {
    if (err instanceof TpmResponseError && err.command === TPM_CC_LOAD) {
      const s = rcSubject(err.rc);
      if (err.base === TPM_RC_HANDLE && s?.kind === 'handle') throw parentMissing(err, kf, source);
      // A blob under another seed fails its integrity check; under a parent of another kind its
      // sizes or the parent's type do not fit.
      if (WRONG_PARENT_RCS.has(err.base)) throw wrongParent(kf, source, err);
    }
    throw err;
  }
}

/** Reads the public area at a persistent handle; `tpm_handle_not_found` when nothing is there. */
export async function readPersistent(tpm: TpmClient, handle: number): Promise<TpmPublic> {
  try {
    return (await tpm.readPublic(handle)).outPublic;
  } catch (err) {
    if (failed(err, TPM_CC_READ_PUBLIC, TPM_RC_HANDLE)) {
      throw new TpmKeyError(
        'tpm_handle_not_found',
        `There is no key at the persistent handle ${hex(handle)} in the TPM at ${tpm.path}; list the persistent handles with tpm2_getcap handles-persistent.`,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * TPM2_Sign with the key's password; a wrong password and a lockout become their own errors, with
 * what the dictionary-attack counters say (one more command, only on that failure).
 */
export async function signWithPassword(
  tpm: TpmClient,
  key: { readonly handle: number; readonly publicArea: TpmPublic; readonly describe: string },
  password: Uint8Array,
  digest: Uint8Array,
  scheme: number,
  hashAlg: number,
): Promise<TpmSignature> {
  try {
    return await tpm.sign(key.handle, password, digest, scheme, hashAlg);
  } catch (err) {
    if (failed(err, TPM_CC_SIGN, TPM_RC_LOCKOUT)) throw await lockoutError(tpm, key.describe, err);
    if (failed(err, TPM_CC_SIGN, TPM_RC_AUTH_FAIL) || failed(err, TPM_CC_SIGN, TPM_RC_BAD_AUTH)) {
      const noDa = (key.publicArea.objectAttributes & TPMA_OBJECT_NO_DA) !== 0;
      let counters = '';
      if (!noDa) {
        try {
          const s = await tpm.lockoutState();
          counters = ` The TPM has counted ${s.failedTries} failed tries; at ${s.maxTries} it refuses passwords (dictionary-attack lockout) until one failure is forgotten, one every ${s.intervalSeconds} s. Do not retry with guesses.`;
        } catch {
          /* the counters are a hint only */
        }
      }
      throw new TpmKeyError('tpm_wrong_key_password', `The TPM rejected the password of ${key.describe}.${counters}`, { cause: err });
    }
    throw err;
  }
}

async function lockoutError(tpm: TpmClient, describe: string, cause: unknown): Promise<TpmKeyError> {
  let when = '';
  try {
    const s = await tpm.lockoutState();
    when = ` ${s.failedTries} of ${s.maxTries} tries failed; it accepts passwords again when one failure is forgotten (one every ${s.intervalSeconds} s)`;
  } catch {
    /* the counters are a hint only */
  }
  return new TpmKeyError(
    'tpm_lockout',
    `The TPM refuses to use ${describe}: it is in dictionary-attack lockout after too many wrong passwords.${when}, or at once when the owner resets it (tpm2_dictionarylockout --clear-lockout). Find the right password before trying again.`,
    { cause },
  );
}
