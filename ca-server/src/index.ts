/**
 * Public entry of the CA server package (bundled as `dist/ca-server.mjs`).
 */
export * from './x509/index.js';
export * from './keys/index.js';
