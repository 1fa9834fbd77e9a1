/**
 * `startCredentialServer()`: the local credential endpoint behind `rapki serve` (and, later, the
 * agent). Plain HTTP on loopback, because that is what the SDK IMDS and container clients speak
 * (AWS SDKs and Tools Reference Guide, "IMDS credential provider" and "Container credential provider").
 *
 * Exposure. The official helper sets the IP TTL / IPv6 hop limit of accepted sockets
 * (`--hop-limit`, default 64; 1 gives EC2's "one hop" parity) so that answers cannot be routed
 * beyond the host. Node has no per-socket `IP_TTL`/`IPV6_UNICAST_HOPS` API for TCP, so rapki cannot
 * set it. Instead: the server listens on loopback unless `allowNonLoopback` is set, drops any
 * connection whose peer is not a loopback address while bound to loopback, and the CLI warns when
 * exposure is widened. `hopLimit` is validated (1..255) and reported, never silently claimed.
 * Every request must name the endpoint in its Host header (DNS rebinding, host-check.ts).
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { isIP } from 'node:net';
import type { CredentialSource } from '../refreshing-source.js';
import { authTokenProblem, authorizationChecker } from '../container/authorization.js';
import {
  DEFAULT_ADDRESS,
  DEFAULT_CONTAINER_PATH,
  DEFAULT_HOP_LIMIT,
  DEFAULT_PORT,
  HEADERS_TIMEOUT_MS,
  MAX_HEADER_BYTES,
  MAX_HOP_LIMIT,
  MIN_HOP_LIMIT,
  REQUEST_TIMEOUT_MS,
  TOKEN_SWEEP_INTERVAL_MS,
} from './constants.js';
import { credentialServerError } from './errors.js';
import { createHandler } from './handler.js';
import { hostChecker } from './host-check.js';
import { isLoopbackAddress } from './loopback.js';
import { TokenStore } from './token-store.js';

export interface CredentialServerOptions {
  /** Where credentials come from (typically a RefreshingCredentialSource). */
  readonly source: CredentialSource;
  /** When the credentials now held were obtained (`LastUpdated`); default: request time. */
  readonly lastUpdated?: (() => Date | undefined) | undefined;
  /** Role name for the security-credentials listing (use {@link roleNameFromArn}). */
  readonly roleName: string;
  readonly address?: string | undefined;
  /** 0 = ephemeral (tests). */
  readonly port?: number | undefined;
  readonly hopLimit?: number | undefined;
  /** Required to listen on anything but a loopback address. */
  readonly allowNonLoopback?: boolean | undefined;
  /**
   * More names clients may put in the Host header (with the listening port), e.g. a Kubernetes
   * service name in front of a non-loopback endpoint (host-check.ts).
   */
  readonly allowedHosts?: readonly string[] | undefined;
  /** Serve the IMDSv2 routes (default true). */
  readonly imds?: boolean | undefined;
  /** Enable the container-credentials route with this `Authorization` token. */
  readonly container?: { readonly authorizationToken: string; readonly path?: string | undefined } | undefined;
  readonly now?: (() => number) | undefined;
  readonly randomBytes?: ((size: number) => Uint8Array) | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

export interface CredentialServer {
  /** Base URL, with a trailing slash (`http://127.0.0.1:9911/`), for `AWS_EC2_METADATA_SERVICE_ENDPOINT`. */
  readonly url: string;
  /** Full URL of the container route, when enabled (`AWS_CONTAINER_CREDENTIALS_FULL_URI`). */
  readonly containerUrl: string | undefined;
  readonly address: string;
  readonly port: number;
  readonly hopLimit: number;
  readonly tokens: TokenStore;
  close(): Promise<void>;
}

/** Role name = last `/` segment of the role ARN's resource (`arn:aws:iam::1:role/path/Name` → `Name`). */
export function roleNameFromArn(roleArn: string): string {
  const parts = roleArn.split(':');
  const resource = parts.length >= 6 ? parts.slice(5).join(':') : '';
  const name = resource.split('/').pop() ?? '';
  if (!resource.startsWith('role/') || !/^[\w+=,.@-]{1,64}$/.test(name)) {
    throw credentialServerError('listen_invalid', `invalid role ARN: '${roleArn}'`);
  }
  return name;
}

function hostForUrl(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

export async function startCredentialServer(options: CredentialServerOptions): Promise<CredentialServer> {
  const address = options.address ?? DEFAULT_ADDRESS;
  const port = options.port ?? DEFAULT_PORT;
  const hopLimit = options.hopLimit ?? DEFAULT_HOP_LIMIT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw credentialServerError('listen_invalid', `port must be 0..65535, got ${String(port)}`);
  }
  if (!Number.isInteger(hopLimit) || hopLimit < MIN_HOP_LIMIT || hopLimit > MAX_HOP_LIMIT) {
    throw credentialServerError('listen_invalid', `hop limit must be ${MIN_HOP_LIMIT}..${MAX_HOP_LIMIT}, got ${String(hopLimit)}`);
  }
  if (isIP(address) === 0 && address !== 'localhost') {
    throw credentialServerError('listen_invalid', `address must be an IP address, got '${address}'`);
  }
  const loopback = address === 'localhost' || isLoopbackAddress(address);
  if (!loopback && !options.allowNonLoopback) {
    throw credentialServerError(
      'non_loopback_address',
      `refusing to serve credentials on non-loopback address ${address}: anyone who can reach it gets this host's AWS ` +
        'credentials; pass --allow-non-loopback if that is really intended',
    );
  }
  let container: { path: string; authorize: (h: string | undefined) => boolean } | undefined;
  if (options.container) {
    const problem = authTokenProblem(options.container.authorizationToken);
    if (problem) throw credentialServerError('invalid_auth_token', `container authorization token ${problem}`);
    container = {
      path: options.container.path ?? DEFAULT_CONTAINER_PATH,
      authorize: authorizationChecker(options.container.authorizationToken),
    };
  }

  const now = options.now ?? Date.now;
  const tokens = new TokenStore({ now, randomBytes: options.randomBytes ?? ((n) => nodeRandomBytes(n)) });
  // The Host check needs the bound port (port 0 picks one): set once listening.
  let hostAllowed: (host: string | undefined) => boolean = () => false;
  const handler = createHandler({
    source: options.source,
    lastUpdated: options.lastUpdated ?? (() => undefined),
    roleName: options.roleName,
    tokens,
    hostAllowed: (h) => hostAllowed(h),
    imds: options.imds ?? true,
    container,
    log: options.log,
  });

  const server: Server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: REQUEST_TIMEOUT_MS }, handler);
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  if (loopback) {
    server.on('connection', (socket) => {
      if (!isLoopbackAddress(socket.remoteAddress ?? '')) socket.destroy();
    });
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(credentialServerError('listen_failed', `failed to create listener on ${hostForUrl(address)}:${port}: ${err.code ?? err.message}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen({ host: address, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const sweeper = setInterval(() => tokens.sweep(), TOKEN_SWEEP_INTERVAL_MS);
  sweeper.unref();
  const bound = server.address();
  const boundPort = typeof bound === 'object' && bound ? bound.port : port;
  hostAllowed = hostChecker(address, boundPort, options.allowedHosts);
  const url = `http://${hostForUrl(address)}:${boundPort}/`;

  return {
    url,
    containerUrl: container ? new URL(container.path, url).toString() : undefined,
    address,
    port: boundPort,
    hopLimit,
    tokens,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweeper);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
