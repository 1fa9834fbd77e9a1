/**
 * Whether a key source names a TPM key: `handle:0x81…` (a persistent key, as aws_signing_helper
 * spells it) or a file holding a `TSS2 PRIVATE KEY` block. Statically imported by `loadKeySigner`:
 * it must stay this small (no TPM code), so that file keys do not load the TPM source.
 */
/**
 * `--private-key handle:0x81000001`, as aws_signing_helper spells a persistent key; and the PEM
 * label of TSS2 key files (draft-bottomley-tpm-keys §3). Defined here, re-exported by
 * `constants.ts` with the other TPM constants, so that this module imports nothing.
 */
export const HANDLE_PREFIX = 'handle:';
export const TSS2_PEM_LABEL = 'TSS2 PRIVATE KEY';

const BEGIN_TSS2 = `-----BEGIN ${TSS2_PEM_LABEL}-----`;

/** True for `handle:…` (case-insensitive prefix). */
export function isTpmHandle(privateKey: string | undefined): boolean {
  return privateKey !== undefined && privateKey.slice(0, HANDLE_PREFIX.length).toLowerCase() === HANDLE_PREFIX;
}

/** True when the file bytes hold a TSS2 PRIVATE KEY PEM block. */
export function holdsTss2Key(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(BEGIN_TSS2);
}
