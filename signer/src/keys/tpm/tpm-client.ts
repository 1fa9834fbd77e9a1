/**
 * A TPM connection that speaks the commands of `commands.ts`: sends one at a time, sends again
 * after a retryable warning (Part 2 §6.6.3), and turns a non-zero response code into a
 * {@link TpmResponseError} that callers map to what it means for them (a wrong password, a missing
 * handle, a key under another parent).
 *
 * Nothing is left loaded: {@link withTpm} flushes every transient object this connection created,
 * also on failure, because a TPM without a resource manager (swtpm, /dev/tpm0) keeps them until
 * reboot and runs out of object slots after three.
 */
import {
  COMMAND_NAMES,
  RC_FMT1,
  RC_NAMES,
  RC_P,
  RC_S,
  RETRY_ATTEMPTS,
  RETRY_DELAY_MS,
  RETRYABLE_RCS,
  TPM_CAP_HANDLES,
  TPM_CAP_TPM_PROPERTIES,
  TPM_HT_TRANSIENT,
  TPM_PT_LOCKOUT_COUNTER,
  TPM_PT_LOCKOUT_INTERVAL,
  TPM_PT_LOCKOUT_RECOVERY,
  TPM_PT_MAX_AUTH_FAIL,
  TPM_PT_PERMANENT,
  TPM_RC_OBJECT_MEMORY,
  TPM_RC_SUCCESS,
  TPMA_PERMANENT_IN_LOCKOUT,
} from './constants.js';
import * as cmd from './commands.js';
import { TpmKeyError } from './errors.js';
import type { TpmPublic } from './public-area.js';
import { locateTpm, openTpmTransport, type TpmDeviceDeps, type TpmTransport } from './transport.js';

/** The base code of a response code: format-one codes without their parameter/handle/session number. */
export function rcBase(rc: number): number {
  if (rc & 0xffff0000) return rc >>> 0; // a TSS or resource-manager layer code: kept whole
  return rc & RC_FMT1 ? rc & 0xbf : rc & 0xfff;
}

/** Which parameter, handle or session a format-one code points at. */
export function rcSubject(rc: number): { kind: 'parameter' | 'handle' | 'session'; n: number } | undefined {
  if (rc & 0xffff0000 || !(rc & RC_FMT1)) return undefined;
  const n = (rc >> 8) & 0xf;
  if (rc & RC_P) return { kind: 'parameter', n };
  if (rc & RC_S) return { kind: 'session', n: n & 0x7 };
  return n === 0 ? undefined : { kind: 'handle', n: n & 0x7 };
}

/** `TPM_RC_HANDLE (0x18b, handle 1)`. */
export function describeRc(rc: number): string {
  const base = rcBase(rc);
  const name = RC_NAMES[base] ?? 'response code';
  const s = rcSubject(rc);
  return `${name} (0x${rc.toString(16)}${s ? `, ${s.kind} ${s.n}` : ''})`;
}

/** A command the TPM answered with a non-zero response code. */
export class TpmResponseError extends TpmKeyError {
  readonly rc: number;
  readonly command: number;

  constructor(command: number, rc: number) {
    const base = rcBase(rc);
    super(
      base === TPM_RC_OBJECT_MEMORY ? 'tpm_out_of_memory' : 'tpm_command_failed',
      base === TPM_RC_OBJECT_MEMORY
        ? `The TPM has no free object slot (${describeRc(rc)}): transient objects left by other programs fill it. Use the resource manager /dev/tpmrm0, or flush them (tpm2_flushcontext -t).`
        : `${COMMAND_NAMES[command] ?? `command 0x${command.toString(16)}`} failed: ${describeRc(rc)}.`,
      { details: { rc, command } },
    );
    this.rc = rc;
    this.command = command;
  }

  get base(): number {
    return rcBase(this.rc);
  }
}

/** The lockout state of the TPM (TPM_PT_* properties, Part 2 §6.13). */
export interface LockoutState {
  readonly inLockout: boolean;
  readonly failedTries: number;
  readonly maxTries: number;
  /** Seconds after which one failed try is forgotten: how long a lockout lasts (Part 1 §19.8.3). */
  readonly intervalSeconds: number;
  /** Seconds before the lockout hierarchy's own password may be tried again after a failure. */
  readonly recoverySeconds: number;
}

/** Injected pause between retries (tests). */
export type Sleep = (ms: number) => Promise<void>;

const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class TpmClient {
  readonly #t: TpmTransport;
  readonly #sleep: Sleep;
  /** Transient objects this client loaded or created, flushed by {@link flushAll}. */
  readonly #transient = new Set<number>();

  constructor(transport: TpmTransport, sleep: Sleep = realSleep) {
    this.#t = transport;
    this.#sleep = sleep;
  }

  get path(): string {
    return this.#t.path;
  }

  /** Sends `c`; resolves with the response bytes of a success, else throws {@link TpmResponseError}. */
  async run(c: cmd.TpmCommand): Promise<Buffer> {
    const bytes = cmd.marshalCommand(c);
    for (let attempt = 1; ; attempt++) {
      const res = await this.#t.transmit(bytes);
      const rc = cmd.responseCode(res, `${COMMAND_NAMES[c.code] ?? 'TPM'} response`);
      if (rc === TPM_RC_SUCCESS) return res;
      if (RETRYABLE_RCS.has(rcBase(rc)) && attempt < RETRY_ATTEMPTS) {
        await this.#sleep(RETRY_DELAY_MS * attempt);
        continue;
      }
      throw new TpmResponseError(c.code, rc);
    }
  }

  #track(handle: number): number {
    if (handle >>> 24 === TPM_HT_TRANSIENT) this.#transient.add(handle);
    return handle;
  }

  async createPrimary(hierarchy: number, template: TpmPublic): Promise<cmd.CreatePrimaryResult> {
    const c = cmd.createPrimary(hierarchy, template);
    const r = cmd.parseCreatePrimary(await this.run(c), c);
    this.#track(r.handle);
    return r;
  }

  async create(parent: number, template: TpmPublic, userAuth: Uint8Array): Promise<cmd.CreateResult> {
    const c = cmd.create(parent, template, userAuth);
    return cmd.parseCreate(await this.run(c), c);
  }

  async load(parent: number, private2b: Uint8Array, public2b: Uint8Array): Promise<number> {
    const c = cmd.load(parent, private2b, public2b);
    return this.#track(cmd.parseLoad(await this.run(c), c).handle);
  }

  async sign(key: number, password: Uint8Array, digest: Uint8Array, scheme: number, hashAlg: number): Promise<cmd.TpmSignature> {
    const c = cmd.sign(key, password, digest, scheme, hashAlg);
    return cmd.parseSign(await this.run(c), c);
  }

  async readPublic(handle: number): Promise<{ outPublic: TpmPublic; name: Buffer }> {
    const c = cmd.readPublic(handle);
    return cmd.parseReadPublic(await this.run(c), c);
  }

  async evictControl(object: number, persistentHandle: number): Promise<void> {
    await this.run(cmd.evictControl(object, persistentHandle));
  }

  async flush(handle: number): Promise<void> {
    this.#transient.delete(handle);
    await this.run(cmd.flushContext(handle));
  }

  /** Flushes every transient object this client made; errors are ignored (the object may be gone). */
  async flushAll(): Promise<void> {
    for (const h of [...this.#transient].reverse()) {
      try {
        await this.flush(h);
      } catch {
        /* already gone, or the connection is: nothing more to do */
      }
    }
  }

  /** Persistent handles in use from `first` on (TPM_CAP_HANDLES). */
  async persistentHandles(first: number): Promise<number[]> {
    const out: number[] = [];
    let from = first;
    for (;;) {
      const c = cmd.getCapability(TPM_CAP_HANDLES, from, 64);
      const r = cmd.parseHandles(await this.run(c), c);
      out.push(...r.handles);
      if (!r.more || r.handles.length === 0) return out;
      from = r.handles[r.handles.length - 1]! + 1;
    }
  }

  /** Dictionary-attack state, from the TPM_PT_VAR properties. */
  async lockoutState(): Promise<LockoutState> {
    const c = cmd.getCapability(TPM_CAP_TPM_PROPERTIES, TPM_PT_PERMANENT, 32);
    const p = cmd.parseProperties(await this.run(c), c);
    const get = (k: number): number => p.get(k) ?? 0;
    return {
      inLockout: (get(TPM_PT_PERMANENT) & TPMA_PERMANENT_IN_LOCKOUT) !== 0,
      failedTries: get(TPM_PT_LOCKOUT_COUNTER),
      maxTries: get(TPM_PT_MAX_AUTH_FAIL),
      intervalSeconds: get(TPM_PT_LOCKOUT_INTERVAL),
      recoverySeconds: get(TPM_PT_LOCKOUT_RECOVERY),
    };
  }

  async close(): Promise<void> {
    await this.#t.close();
  }
}

/**
 * Opens the TPM (`TPM_DEVICE`, /dev/tpmrm0, /dev/tpm0), runs `work`, then flushes what it loaded
 * and closes the connection, whatever happened.
 */
export async function withTpm<T>(deps: TpmDeviceDeps & { sleep?: Sleep }, work: (tpm: TpmClient) => Promise<T>): Promise<T> {
  const path = await locateTpm(deps);
  const transport = await openTpmTransport(path, deps);
  const tpm = new TpmClient(transport, deps.sleep);
  try {
    return await work(tpm);
  } finally {
    await tpm.flushAll();
    await tpm.close();
  }
}
