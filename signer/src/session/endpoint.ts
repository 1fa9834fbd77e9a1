/**
 * Where CreateSession goes: the endpoint URL for the signing region, per partition
 * (the AWS SDKs' rolesanywhere endpoint rules).
 *
 * Decisions:
 * - FIPS is a property of the host only (`rolesanywhere-fips.{region}.{suffix}`); the credential
 *   scope keeps the plain region. Legacy spellings `us-east-1-fips` never reach the scope as the
 *   official helper lets them (aws/rolesanywhere-credential-helper#196): preflight refuses them and
 *   points at `--use-fips-endpoint`.
 * - The signing region (explicit, else the trust anchor's; refused when the trust-anchor and profile
 *   regions differ) is resolved by preflight (signer/src/preflight/check-session-input.ts).
 * - A custom `endpoint` may carry a path prefix (`https://gw.example/ra`), for gateways that route
 *   by path and strip it. The canonical URI stays `/sessions`, as the official helper hard-codes it
 *   (aws_signing_helper/signer.go): the service verifies the path it receives, which after such a
 *   gateway is `/sessions`.
 * - Plain `http:` is accepted, as the official helper sends it; for a host that is not loopback the
 *   CLI warns ({@link plainHttpWarning}): the request (certificate, signature) and the credentials
 *   in the answer cross the network in clear.
 * - With no endpoint given, the SDKs' variables AWS_ENDPOINT_URL_ROLESANYWHERE, then
 *   AWS_ENDPOINT_URL, name it ({@link endpointFromEnv}), as for the official helper (its Go SDK).
 */
import { ENV_ENDPOINT_URL, ENV_ENDPOINT_URL_SERVICE, ENV_IGNORE_ENDPOINT_URLS, PARTITIONS, SERVICE_NAME, SESSIONS_PATH, type Partition } from './constants.js';
import { sessionError } from './errors.js';

/** The resolved target of one CreateSession call. */
export interface ResolvedEndpoint {
  /** Region of the credential scope (never contains `fips`). */
  readonly region: string;
  /** Partition of the region, or undefined for a custom endpoint with an unlisted region. */
  readonly partition: Partition['id'] | undefined;
  readonly protocol: 'https:' | 'http:';
  /** Host name without brackets (for TLS SNI and the socket). */
  readonly hostname: string;
  readonly port: number;
  /** `Host` header value: host plus port when not the scheme default (as the official helper signs it). */
  readonly hostHeader: string;
  /** Path of the request before the query: prefix + `/sessions`. */
  readonly path: string;
}

/** Finds the partition of a region, or undefined. */
export function partitionOf(region: string): Partition | undefined {
  return PARTITIONS.find((p) => p.regionPattern.test(region));
}

/** True for `localhost`, 127.0.0.0/8 and ::1 (with or without brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The endpoint named by the environment (AWS SDK convention), or undefined. */
export function endpointFromEnv(env: Readonly<Record<string, string | undefined>>): { readonly url: string; readonly variable: string } | undefined {
  if (/^true$/i.test((env[ENV_IGNORE_ENDPOINT_URLS] ?? '').trim())) return undefined;
  for (const variable of [ENV_ENDPOINT_URL_SERVICE, ENV_ENDPOINT_URL]) {
    const v = env[variable]?.trim();
    if (v) return { url: v, variable };
  }
  return undefined;
}

/** A warning line for a plain-http endpoint that is not loopback, else undefined. */
export function plainHttpWarning(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined || !/^http:\/\//i.test(endpoint)) return undefined;
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return undefined; // resolveEndpoint reports it
  }
  if (isLoopbackHost(host)) return undefined;
  return `endpoint ${endpoint} is plain http: the signed request and the credentials it returns cross the network unencrypted; use https`;
}

/**
 * Resolves the endpoint for `region`: the custom `endpoint` when given, else
 * `rolesanywhere[-fips].{region}.{dnsSuffix}` of the region's partition.
 */
export function resolveEndpoint(input: { region: string; endpoint?: string | undefined; useFipsEndpoint?: boolean | undefined }): ResolvedEndpoint {
  const partition = partitionOf(input.region);
  if (input.endpoint !== undefined && input.endpoint !== '') {
    if (input.useFipsEndpoint) {
      throw sessionError(
        'invalid_endpoint',
        'a custom endpoint cannot be combined with the FIPS endpoint option: drop one of --endpoint and --use-fips-endpoint',
      );
    }
    return customEndpoint(input.endpoint, input.region, partition?.id);
  }
  if (!partition) {
    throw sessionError(
      'invalid_region',
      `region '${input.region}' is not in a partition rapki knows (${PARTITIONS.map((p) => p.id).join(', ')}); pass --endpoint for other partitions`,
    );
  }
  const hostname = `${SERVICE_NAME}${input.useFipsEndpoint ? '-fips' : ''}.${input.region}.${partition.dnsSuffix}`;
  return {
    region: input.region,
    partition: partition.id,
    protocol: 'https:',
    hostname,
    port: 443,
    hostHeader: hostname,
    path: SESSIONS_PATH,
  };
}

function customEndpoint(raw: string, region: string, partition: Partition['id'] | undefined): ResolvedEndpoint {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw sessionError('invalid_endpoint', `endpoint '${raw}' is not a URL (expected https://host[:port][/prefix])`, { cause });
  }
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw sessionError('invalid_endpoint', `endpoint '${raw}' must be an https:// (or http://) URL`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw sessionError('invalid_endpoint', `endpoint '${raw}' must not contain credentials, a query or a fragment`);
  }
  const prefix = url.pathname.replace(/\/+$/, '');
  const protocol = url.protocol as 'https:' | 'http:';
  const port = url.port ? Number(url.port) : protocol === 'https:' ? 443 : 80;
  return {
    region,
    partition,
    protocol,
    hostname,
    port,
    hostHeader: url.host,
    path: `${prefix}${SESSIONS_PATH}`,
  };
}
