/**
 * A directory only its owner may enter (0700), for keys, tokens and the CA's own files. `mkdir`'s
 * mode is filtered by the umask and leaves an existing directory as it was, hence the `chmod`.
 * (The CLI's host directory and the signer's cache directory check ownership as well, with
 * outcomes of their own: `cli/src/ca-client/private-dir.ts`, `signer/src/providers/cache/cache-dir.ts`.)
 */
import { chmodSync, mkdirSync } from 'node:fs';

/** Creates `dir` (and parents) and forces 0700 on it. */
export function makePrivateDirSync(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}
