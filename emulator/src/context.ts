/**
 * Everything a request handler needs: the state store, the clock, the emulated account/region,
 * the role registry and the accepted IAM credentials. Built once by `startEmulator`.
 */
import type { EmulatorClock } from './clock.js';
import type { StateStore } from './state/store.js';

export interface IamCredential {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface EmulatorContext {
  store: StateStore;
  clock: EmulatorClock;
  accountId: string;
  region: string;
  /** Role name → MaxSessionDuration in seconds; roles not listed get the default (3600). */
  roleMaxSessionDuration: Record<string, number>;
  /** When non-empty, the only keys accepted on the control plane (signatures verified). */
  iamCredentials: IamCredential[];
  /** Random bytes source (injectable for tests). */
  randomBytes(n: number): Buffer;
  /** Fresh resource id (lower-case UUID). */
  newId(): string;
}

export function arnFor(ctx: EmulatorContext, kind: 'trust-anchor' | 'profile' | 'crl' | 'subject', id: string): string {
  return `arn:aws:rolesanywhere:${ctx.region}:${ctx.accountId}:${kind}/${id}`;
}

export const isoNow = (ctx: EmulatorContext): string => ctx.clock.now().toISOString();
