/** Entry point for the CLI: `rapki sign-string`, the official helper's signature over a certificate. */
export { signString } from '../sign-string.js';
