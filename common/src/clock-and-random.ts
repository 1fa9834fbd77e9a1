/**
 * What the CA's modules (authority, store, HTTP, rotation) are given instead of reaching for
 * globals: a clock and a source of randomness, so tests can move time and reproduce tokens and
 * serials.
 */
import { randomBytes } from 'node:crypto';

export type Clock = () => Date;
export type RandomSource = (bytes: number) => Uint8Array;

export const systemClock: Clock = () => new Date();
export const systemRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));
