/**
 * rapki's local stand-in for IAM Roles Anywhere (control plane + CreateSession) and STS
 * GetCallerIdentity, as strict as the real service (so tests cannot pass on it and fail on AWS;
 * docs/emulator.md lists the checks and the known differences). `startEmulator()` is the API tests
 * and `rapki emulator` use.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createClock, type EmulatorClock } from './clock.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION, LIMITS, MAX_HEADER_BYTES } from './constants.js';
import type { EmulatorContext, IamCredential } from './context.js';
import { createRequestHandler, type RequestLogger } from './http/server.js';
import type { EmulatorState } from './state/model.js';
import { openStateStore } from './state/store.js';

export type { EmulatorClock } from './clock.js';
export type { IamCredential } from './context.js';
export type { EmulatorState, SessionRecord, TrustAnchorRecord, ProfileRecord, CrlRecord, SubjectRecord } from './state/model.js';
export { REASON_HEADER } from './constants.js';

export interface EmulatorOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Listen port; default 0 (ephemeral). */
  port?: number;
  /** Serve HTTPS with this PEM certificate and key instead of HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Persist state to this JSON file (atomic writes; reloaded on start). Memory only if omitted. */
  stateFile?: string;
  /** Emulated account; default 123456789012. */
  accountId?: string;
  /** Emulated region; default us-east-1. */
  region?: string;
  /** When given, the only control-plane keys accepted (signatures verified with their secret). */
  iamCredentials?: IamCredential[];
  /** Role name → MaxSessionDuration seconds (default 3600 for roles not listed). */
  roles?: Record<string, number>;
  /** Initial clock time (default: real time). */
  now?: Date | string | number;
  /** Request log (no secrets are passed to it). */
  log?: RequestLogger;
}

export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:54321`. */
  url: string;
  host: string;
  port: number;
  clock: EmulatorClock;
  /** Live state (read it; mutate only through the API). */
  readonly state: EmulatorState;
  accountId: string;
  region: string;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  if (!/^\d{12}$/.test(accountId)) throw new TypeError('accountId must be 12 digits');
  const roles = options.roles ?? {};
  for (const [name, max] of Object.entries(roles)) {
    if (!Number.isInteger(max) || max < LIMITS.durationMin || max > LIMITS.durationMax) {
      throw new TypeError(`role ${name}: max session duration must be ${LIMITS.durationMin}..${LIMITS.durationMax} seconds`);
    }
  }
  const store = openStateStore(options.stateFile);
  const clock = createClock(options.now);
  const ctx: EmulatorContext = {
    store,
    clock,
    accountId,
    region: options.region ?? DEFAULT_REGION,
    roleMaxSessionDuration: { ...roles },
    iamCredentials: [...(options.iamCredentials ?? [])],
    randomBytes: (n) => randomBytes(n),
    newId: () => randomUUID(),
  };
  const handler = createRequestHandler(ctx, options.log);
  const listener = (req: Parameters<typeof handler>[0], res: Parameters<typeof handler>[1]) => void handler(req, res);
  // A legitimate CreateSession may carry a five-certificate RSA-4096 chain in X-Amz-X509-Chain, which
  // can pass node's default 16 KiB header limit; allow 64 KiB, which still bounds memory per request.
  const serverOptions = { maxHeaderSize: MAX_HEADER_BYTES };
  const server: Server = options.tls
    ? createHttpsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, listener)
    : createHttpServer(serverOptions, listener);
  // Requests node's HTTP parser refuses (headers over MAX_HEADER_BYTES, or
  // malformed framing) still get the restJson1 error shape instead of a bare status line.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return void socket.destroy();
    const big = err.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify({ message: big ? 'Request header fields too large' : 'Malformed request' });
    socket.end(
      `HTTP/1.1 ${big ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\ncontent-type: application/json\r\n` +
        `x-amzn-errortype: ${big ? 'RequestHeaderFieldsTooLargeException' : 'ValidationException'}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    host,
    port,
    clock,
    get state() {
      return store.state;
    },
    accountId,
    region: ctx.region,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
