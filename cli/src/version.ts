/** rapki's version, stamped at build time from package.json (see scripts/build.mjs). */
export const VERSION: string = typeof __RAPKI_VERSION__ === 'string' ? __RAPKI_VERSION__ : '0.0.0-dev';
declare const __RAPKI_VERSION__: string | undefined;
