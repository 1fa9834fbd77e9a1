/**
 * Adapter to the signer core's preflight checks (signer/src/preflight/, owned by the signer core):
 * runs them before anything is sent.
 */
import type { KeySigner, SessionOptions } from '../types.js';

export function runPreflight(_signer: KeySigner, _options: SessionOptions & { durationSeconds: number }, _now: Date): void {
  // Filled in when signer/src/preflight lands.
}
