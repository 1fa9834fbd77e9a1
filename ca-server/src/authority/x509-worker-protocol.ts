/** Messages between the main thread and the X.509 worker thread (`x509-worker-thread.ts`). */
import type { ParsedCsr, SubjectAltName } from '../x509/types.js';

export type X509WorkerRequest =
  | { readonly id: number; readonly op: 'parseCsr'; readonly pem: string }
  | {
      readonly id: number;
      readonly op: 'lintLeaf';
      readonly der: Uint8Array;
      readonly issuerDer: Uint8Array;
      readonly sans: readonly SubjectAltName[];
    };

/** A failure carries the coded error's `code` (RapkiError) so the authority maps it as if local. */
export type X509WorkerReply =
  | { readonly id: number; readonly ok: true; readonly value: ParsedCsr | undefined }
  | { readonly id: number; readonly ok: false; readonly code: string | undefined; readonly message: string };
