/** Entry point for the CLI: `rapki ca init`, a new CA (root, intermediate, store). Load it lazily. */
export { initCa } from '../init.js';
