/**
 * Entry point for the CLI: the signer's error class, for commands that raise or recognise signer
 * errors. Apart from `./config.ts` because building the error table costs start-up time that a
 * `credential-process` cache hit does not need to pay.
 */
export { SignerError } from '../errors.js';
