/** Entry point for the CLI: `rapki admin-token create --dir`, an admin token made on the CA host. Load it lazily. */
export { createAdminTokenOnCaHost } from '../local-admin-token.js';
