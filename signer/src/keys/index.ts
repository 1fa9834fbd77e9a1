/** Key sources behind the one KeySigner interface. */
export { loadKeySigner } from './load-key-signer.js';
export { keySignerFromPem, type PemKeySource } from './key-signer-from-pem.js';
export { createFileKeySigner } from './file-key-signer.js';
export { algorithmForKey } from './key-policy.js';
export { nodeKeyFileIo, readInputFile, type KeyFileIo } from './read-input.js';
