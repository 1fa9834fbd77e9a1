/**
 * Entry point for the CLI: a CA directory on the CA host and the store it names (SQLite file or
 * PostgreSQL), for the commands that work on them without a running server (`ca init`, `ca backup`,
 * `ca restore`, `ca migrate-store`, `admin-token create --dir`, `audit verify --dir`, `aws` with
 * `--ca-dir`). Load it lazily: it carries the store code.
 */
export { caExists, caPaths, writeCaDirPointer } from '../ca-dir.js';
export { resolvePassphrase } from '../config.js';
export { caError } from '../errors.js';
export { openCaDirStore } from '../open-ca-store.js';
export { withStore } from '../store/open-store.js';
export { storeSelection } from '../store/store-selection.js';
export { parseStoreUrl, storeUrlOf } from '../store/store-url.js';
export { SyncTargetRegistry } from '../sync/store-sync-targets.js';
