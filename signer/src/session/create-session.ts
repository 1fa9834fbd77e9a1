/**
 * `createSession()`: one CreateSession call over HTTPS, from a KeySigner to temporary credentials.
 *
 * Order: preflight checks (nothing is sent when one fails) → region and endpoint → for each attempt
 * (default 3): sign afresh with the current clock (a new X-Amz-Date, so a retry after a long
 * backoff is not refused as stale), send, and either return the credentials, retry (network error,
 * timeout, 5xx, throttling) after a jittered exponential backoff, or throw a coded, actionable error.
 *
 * Lean on purpose (credential-process start-up): node:net/tls/http and node:crypto only.
 *
 * Proxies: HTTPS_PROXY/NO_PROXY (and lower-case forms) are honoured by default, as the official
 * helper's Go transport does (proxy.ts); `withProxy: false` turns them off. Loopback endpoints are
 * never proxied. Endpoint: `endpoint`, else AWS_ENDPOINT_URL_ROLESANYWHERE / AWS_ENDPOINT_URL
 * (endpoint.ts), else the partition's.
 */
import { RapkiError, isRapkiError } from '../../../common/src/errors.js';
import { DEFAULT_DURATION_SECONDS } from '../constants.js';
import { preflight } from '../preflight/preflight.js';
import { signCreateSessionRequest } from '../request/sign-create-session.js';
import type { KeySigner, RolesAnywhereCredentials, SessionOptions } from '../types.js';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS, MAX_MAX_ATTEMPTS, THROTTLING_CODES } from './constants.js';
import { endpointFromEnv, isLoopbackHost, resolveEndpoint } from './endpoint.js';
import { isThrottling, mapServiceError, sessionError } from './errors.js';
import { TransportError, sendOnce, type WireResponse } from './http-client.js';
import { parseCredentials, parseServiceError } from './parse-response.js';
import { describeProxy, proxyFor, type ProxyEnv } from './proxy.js';
import { backoffDelayMs, isRetryableStatus, sleep } from './retry.js';

/** Injected I/O and randomness (tests); production uses the defaults. */
export interface SessionDeps {
  /** Environment for HTTPS_PROXY/NO_PROXY and AWS_ENDPOINT_URL*; default process.env. */
  readonly env?: ProxyEnv;
  /** [0, 1) for backoff jitter; default Math.random. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** User-Agent value (not signed). */
  readonly userAgent?: string;
}

/**
 * Calls CreateSession with `signer` and returns the temporary credentials.
 * Throws RapkiError: a preflight/signer code (signer/src/errors.ts) or a session code
 * (signer/src/session/errors.ts).
 */
export async function createSession(signer: KeySigner, options: SessionOptions, deps: SessionDeps = {}): Promise<RolesAnywhereCredentials> {
  const now = options.now ?? (() => new Date());
  const durationSeconds = options.durationSeconds ?? DEFAULT_DURATION_SECONDS;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_MAX_ATTEMPTS) {
    throw sessionError('invalid_session_option', `maxAttempts must be 1..${MAX_MAX_ATTEMPTS}, got ${maxAttempts}`);
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) {
    throw sessionError('invalid_session_option', `timeoutMs must be 1..600000, got ${timeoutMs}`);
  }

  // Every local check first (ARNs, region agreement, duration, session name, certificates and
  // chain): nothing is sent when one fails.
  const { region } = preflight({
    signer,
    input: {
      trustAnchorArn: options.trustAnchorArn,
      profileArn: options.profileArn,
      roleArn: options.roleArn,
      durationSeconds,
      region: options.region === '' ? undefined : options.region,
      roleSessionName: options.roleSessionName,
    },
    now: now(),
  });
  const env = deps.env ?? process.env;
  const endpoint = options.endpoint !== undefined && options.endpoint !== '' ? options.endpoint : endpointFromEnv(env)?.url;
  const target = resolveEndpoint({ region, endpoint, useFipsEndpoint: options.useFipsEndpoint });
  const proxy = options.withProxy === false ? undefined : proxyFor(target, env);
  if (proxy) options.debug?.(`proxy: ${describeProxy(proxy)}`);
  // NODE_EXTRA_CA_CERTS: Node adds it to its own store; the first TLS check (tls-trust.ts) reads it too.
  const trust = { verify: options.verifyTls !== false, caBundle: options.caBundle, extraCaFile: env.NODE_EXTRA_CA_CERTS || undefined, now };

  const context = {
    trustAnchorArn: options.trustAnchorArn,
    profileArn: options.profileArn,
    roleArn: options.roleArn,
    roleSessionName: options.roleSessionName,
  };
  const random = deps.random ?? Math.random;
  const wait = deps.sleep ?? sleep;
  let last: RapkiError | undefined;

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const signed = await signCreateSessionRequest(
      {
        trustAnchorArn: options.trustAnchorArn,
        profileArn: options.profileArn,
        roleArn: options.roleArn,
        region,
        durationSeconds,
        roleSessionName: options.roleSessionName,
        host: target.hostHeader,
      },
      signer,
      now(),
    );
    if (options.debug) {
      options.debug(`attempt ${attempt}/${maxAttempts}: POST ${target.protocol}//${target.hostHeader}${target.path}`);
      options.debug(`canonical request:\n${signed.canonicalRequest}`);
      options.debug(`string to sign:\n${signed.stringToSign}`);
    }
    // Send to the endpoint's path (a gateway prefix + /sessions) with the signed query; the Host
    // header signed is the endpoint's host[:port], which node would also derive.
    const q = signed.pathAndQuery.indexOf('?');
    const path = q < 0 ? target.path : `${target.path}${signed.pathAndQuery.slice(q)}`;
    const headers: Record<string, string> = { ...signed.headers };
    if (deps.userAgent) headers['User-Agent'] = deps.userAgent;

    let res: WireResponse;
    try {
      res = await sendOnce(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          path,
          headers,
          body: signed.body,
        },
        { timeoutMs, trust, proxy, debug: options.debug },
      );
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      options.debug?.(`attempt ${attempt}: ${e.kind}: ${e.message}`);
      last = transportToError(e, target.hostHeader, proxy === undefined ? undefined : describeProxy(proxy), isLoopbackHost(target.hostname));
      if (e.kind === 'tls' || e.kind === 'too_large') throw last;
      if (attempt < maxAttempts) await wait(backoffDelayMs(attempt, random));
      continue;
    }
    options.debug?.(`attempt ${attempt}: HTTP ${res.status}`);
    if (res.status >= 200 && res.status < 300) return parseCredentials(res);
    const info = parseServiceError(res);
    last = mapServiceError(info, THROTTLING_CODES, context);
    if (!isRetryableStatus(res.status, isThrottling(info, THROTTLING_CODES))) throw last;
    if (attempt < maxAttempts) await wait(backoffDelayMs(attempt, random));
  }
  throw withAttempts(last, maxAttempts);
}

function transportToError(e: TransportError, host: string, proxy: string | undefined, loopback: boolean): RapkiError {
  const via = proxy === undefined ? '' : ` through the proxy ${proxy}`;
  switch (e.kind) {
    case 'timeout':
      return sessionError('timeout', `${e.message}; raise --timeout or check the network path to ${host}`, { cause: e });
    case 'tls':
      return sessionError(
        'tls_error',
        `${e.message}. If the endpoint uses a private CA, point AWS_CA_BUNDLE at its PEM bundle (--no-verify-ssl only for tests)`,
        { cause: e },
      );
    case 'too_large':
      return sessionError('bad_response', `the endpoint ${host} sent a ${e.message}`, { cause: e });
    case 'proxy':
      return sessionError('network_error', `${e.message}; check the proxy, or list ${host} in NO_PROXY`, { cause: e });
    default:
      return sessionError(
        'network_error',
        `cannot reach ${host}${via}: ${e.message}${proxy === undefined && !loopback ? '; if this network needs a proxy, set HTTPS_PROXY' : ''}`,
        { cause: e },
      );
  }
}

function withAttempts(err: RapkiError | undefined, attempts: number): RapkiError {
  if (!err) return sessionError('network_error', 'CreateSession was not attempted');
  if (!isRapkiError(err) || attempts === 1) return err;
  return new RapkiError(err.code, `${err.message} (after ${attempts} attempts)`, { cause: err.cause, details: { ...err.details } });
}
