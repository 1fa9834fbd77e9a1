/**
 * The one place that loads `@peculiar/x509`. The library resolves algorithms through a tsyringe
 * container and needs the Reflect metadata polyfill loaded first (its README, "Reflect Polyfill
 * Required"); it also needs a WebCrypto provider, which we set to Node's own. Everything else in
 * the CA imports x509 from here (and only the non-hot paths use it at all).
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
