/**
 * The one place the tests load `@peculiar/x509`, an encoder independent of the CA's own X.509
 * layer (so that a bug there cannot hide in the checks). The library resolves algorithms through a
 * tsyringe container and needs the Reflect metadata polyfill loaded first (its README, "Reflect
 * Polyfill Required"); it also needs a WebCrypto provider, which we set to Node's own. Test-only:
 * the product never loads it.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
