/**
 * The TSS2 key file (`-----BEGIN TSS2 PRIVATE KEY-----`), "ASN.1 Specification for TPM 2.0 Key
 * Files" (draft-bottomley-tpm-keys §3):
 *
 *   TPMKey ::= SEQUENCE {
 *     type        OBJECT IDENTIFIER,                 -- 2.23.133.10.1.3: loadable key
 *     emptyAuth   [0] EXPLICIT BOOLEAN OPTIONAL,
 *     policy      [1] EXPLICIT SEQUENCE OF TPMPolicy OPTIONAL,
 *     secret      [2] EXPLICIT OCTET STRING OPTIONAL,
 *     authPolicy  [3] EXPLICIT SEQUENCE OF TPMAuthPolicy OPTIONAL,
 *     description [4] EXPLICIT UTF8String OPTIONAL,
 *     rsaParent   [5] EXPLICIT BOOLEAN OPTIONAL,
 *     parentName  [6] EXPLICIT OCTET STRING OPTIONAL,
 *     parent      INTEGER,                           -- a persistent handle or a hierarchy
 *     pubkey      OCTET STRING,                      -- TPM2B_PUBLIC
 *     privkey     OCTET STRING }                     -- TPM2B_PRIVATE
 *
 * As aws_signing_helper: loadable keys only, no policies, no `secret` (importable keys). Writers
 * have put BOOLEAN TRUE as 0x01 (tpm2-openssl, older engines) as well as DER's 0xFF; any non-zero
 * octet is true.
 */
import { DerError, children, expectTlv, oidToString, readTlv } from '../../../../common/src/der/reader.js';
import { HIERARCHY_PARENTS, OID_IMPORTABLE_KEY, OID_LOADABLE_KEY, OID_SEALED_DATA, TPM_HT_PERSISTENT, TPM_RH_OWNER } from './constants.js';
import { TpmKeyError } from './errors.js';
import { TpmReader } from './marshal.js';
import { publicFromTpm2b, type TpmPublic } from './public-area.js';

/** A parsed loadable key. */
export interface Tss2KeyFile {
  readonly emptyAuth: boolean;
  /** A persistent handle (0x81…) or a hierarchy (TPM_RH_OWNER, …) under which a primary is made. */
  readonly parent: number;
  /** The primary under a hierarchy parent is RSA 2048 instead of ECC P-256. */
  readonly rsaParent: boolean;
  /** Name of the parent when the file records it: checked after the parent is loaded. */
  readonly parentName: Buffer | undefined;
  readonly description: string | undefined;
  /** TPM2B_PUBLIC and TPM2B_PRIVATE, size prefixes included, as TPM2_Load takes them. */
  readonly public2b: Buffer;
  readonly private2b: Buffer;
  readonly publicArea: TpmPublic;
}

const TAG_SEQUENCE = 0x30;
const TAG_OID = 0x06;
const TAG_INTEGER = 0x02;
const TAG_OCTET_STRING = 0x04;
const TAG_BOOLEAN = 0x01;
const TAG_UTF8 = 0x0c;

function invalid(source: string, why: string, cause?: unknown): TpmKeyError {
  return new TpmKeyError('tpm_key_file_invalid', `${source} is not a valid TSS2 key file: ${why}.`, cause === undefined ? undefined : { cause });
}

/** True when `handle` names a persistent object (0x81……). */
export function isPersistentHandle(handle: number): boolean {
  return handle >>> 24 === TPM_HT_PERSISTENT;
}

/** Parses the DER of a `TSS2 PRIVATE KEY` block; `source` names the file in messages. */
export function parseTss2KeyFile(der: Uint8Array, source: string): Tss2KeyFile {
  try {
    return parse(der, source);
  } catch (err) {
    if (err instanceof TpmKeyError && err.code !== 'tpm_response_invalid') throw err;
    throw invalid(source, err instanceof Error ? err.message : String(err), err);
  }
}

function parse(der: Uint8Array, source: string): Tss2KeyFile {
  const top = expectTlv(der, 0, TAG_SEQUENCE, der.length, 'TPMKey');
  if (top.end !== der.length) throw new DerError('bytes after the TPMKey SEQUENCE');
  const fields = children(der, top);
  const first = fields[0];
  if (first === undefined || first.tag !== TAG_OID) throw new DerError('TPMKey does not start with its type OID');
  const type = oidToString(der.subarray(first.start, first.end));
  if (type === OID_IMPORTABLE_KEY || type === OID_SEALED_DATA) {
    throw new TpmKeyError(
      'tpm_key_unsupported',
      `${source} holds ${type === OID_IMPORTABLE_KEY ? 'an importable key' : 'sealed data'}; only loadable keys (made with tpm2-openssl, tpm2-tss-engine or rapki enroll --key tpm) can sign.`,
    );
  }
  if (type !== OID_LOADABLE_KEY) throw new DerError(`unknown key type OID ${type}`);

  let emptyAuth = false;
  let rsaParent = false;
  let parentName: Buffer | undefined;
  let description: string | undefined;
  let i = 1;
  let lastTag = -1;
  for (; i < fields.length && (fields[i]!.tag & 0xe0) === 0xa0; i++) {
    const f = fields[i]!;
    const n = f.tag & 0x1f;
    if (n <= lastTag) throw new DerError('optional fields out of order or repeated');
    lastTag = n;
    const inner = readTlv(der, f.start, f.end);
    if (inner.end !== f.end) throw new DerError(`[${n}] holds more than one element`);
    const content = Buffer.from(der.subarray(inner.start, inner.end));
    switch (n) {
      case 0:
      case 5:
        if (inner.tag !== TAG_BOOLEAN || content.length !== 1) throw new DerError(`[${n}] is not a BOOLEAN`);
        if (n === 0) emptyAuth = content[0] !== 0;
        else rsaParent = content[0] !== 0;
        break;
      case 1:
      case 3:
        throw new TpmKeyError(
          'tpm_key_unsupported',
          `${source} binds the key to a TPM policy; rapki (like aws_signing_helper) signs only with password-authorized keys.`,
        );
      case 2:
        throw new TpmKeyError('tpm_key_unsupported', `${source} carries an import secret: it is an importable key, not a loadable one.`);
      case 4:
        if (inner.tag !== TAG_UTF8) throw new DerError('[4] description is not a UTF8String');
        description = content.toString('utf8');
        break;
      case 6:
        if (inner.tag !== TAG_OCTET_STRING) throw new DerError('[6] parentName is not an OCTET STRING');
        parentName = content;
        break;
      default:
        throw new DerError(`unknown field [${n}]`);
    }
  }
  const rest = fields.slice(i);
  if (rest.length !== 3) throw new DerError(`expected parent, pubkey and privkey after the optional fields, found ${rest.length} elements`);
  const [parentTlv, pubTlv, privTlv] = rest as [(typeof rest)[0], (typeof rest)[0], (typeof rest)[0]];
  if (parentTlv.tag !== TAG_INTEGER) throw new DerError('parent is not an INTEGER');
  if (pubTlv.tag !== TAG_OCTET_STRING || privTlv.tag !== TAG_OCTET_STRING) throw new DerError('pubkey and privkey must be OCTET STRINGs');
  const parent = parentHandle(der.subarray(parentTlv.start, parentTlv.end));
  if (!isPersistentHandle(parent) && !HIERARCHY_PARENTS.has(parent)) {
    throw new DerError(`parent 0x${parent.toString(16)} is neither a persistent handle nor a hierarchy`);
  }
  const public2b = Buffer.from(der.subarray(pubTlv.start, pubTlv.end));
  const private2b = Buffer.from(der.subarray(privTlv.start, privTlv.end));
  checkTpm2b(private2b, 'privkey');
  const publicArea = publicFromTpm2b(public2b, `${source} pubkey`);
  return { emptyAuth, parent, rsaParent, parentName, description, public2b, private2b, publicArea };
}

/**
 * The parent INTEGER as an unsigned 32-bit handle. DER wants 0x81000001 with a leading zero octet;
 * some writers left it out (a negative INTEGER), which is read as the same handle. A parent of 0
 * means the owner hierarchy (tpm2-openssl writes it so for keys made without a parent).
 */
function parentHandle(content: Uint8Array): number {
  let bytes = content;
  if (bytes.length === 5 && bytes[0] === 0) bytes = bytes.subarray(1);
  if (bytes.length === 0 || bytes.length > 4) throw new DerError('parent is not a 32-bit handle');
  let v = 0;
  for (const b of bytes) v = v * 256 + b;
  return v === 0 ? TPM_RH_OWNER : v;
}

function checkTpm2b(b: Buffer, what: string): void {
  const r = new TpmReader(b, what);
  r.tpm2b();
  r.done();
}
