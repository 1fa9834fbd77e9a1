/**
 * Where CreateSession goes: the signing region and the endpoint URL, per partition
 * (signer-spec.md §1.1).
 *
 * Decisions:
 * - FIPS is a property of the host only (`rolesanywhere-fips.{region}.{suffix}`); the credential
 *   scope keeps the plain region. Legacy spellings `fips-us-east-1` / `us-east-1-fips` are read as
 *   "us-east-1 + FIPS" instead of flowing into the scope as the official helper lets them (§1.9 #2).
 * - A custom `endpoint` may carry a path prefix (`https://gw.example/ra`), for gateways that route
 *   by path and strip it. The canonical URI stays `/sessions`, as the official helper hard-codes it
 *   (§1.3): the service verifies the path it receives, which after such a gateway is `/sessions`.
 * - Plain `http:` is accepted only for loopback hosts (local emulators); anything else must be https.
 */
import { PARTITIONS, SERVICE_NAME, SESSIONS_PATH, type Partition } from './constants.js';
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
  /** `Host` header value: host plus port when not the scheme default (signer-spec.md §1.2). */
  readonly hostHeader: string;
  /** Path of the request before the query: prefix + `/sessions`. */
  readonly path: string;
}

const REGION_SYNTAX = /^[a-z]{2,}(-[a-z0-9]+)*-\d+$/;

/** Finds the partition of a region, or undefined. */
export function partitionOf(region: string): Partition | undefined {
  return PARTITIONS.find((p) => p.regionPattern.test(region));
}

/**
 * Splits the legacy FIPS spellings off a region name: `fips-us-gov-west-1`, `us-gov-west-1-fips`
 * → `{region: 'us-gov-west-1', fips: true}`.
 */
export function normalizeRegion(raw: string): { region: string; fips: boolean } {
  const r = raw.trim().toLowerCase();
  if (r.startsWith('fips-')) return { region: r.slice(5), fips: true };
  if (r.endsWith('-fips')) return { region: r.slice(0, -5), fips: true };
  return { region: r, fips: false };
}

/**
 * Picks the signing region: explicit option first, else the trust anchor's region; refuses when the
 * trust-anchor and profile ARNs name different regions (as the official helper does).
 */
export function resolveRegion(input: {
  region?: string | undefined;
  trustAnchorRegion: string;
  profileRegion: string;
}): { region: string; fips: boolean } {
  if (input.trustAnchorRegion !== input.profileRegion) {
    throw sessionError(
      'region_mismatch',
      `trust anchor and profile regions don't match: the trust anchor is in ${input.trustAnchorRegion} and the profile in ` +
        `${input.profileRegion}; both must live in the region CreateSession is sent to`,
    );
  }
  const raw = input.region !== undefined && input.region !== '' ? input.region : input.trustAnchorRegion;
  const n = normalizeRegion(raw);
  if (!REGION_SYNTAX.test(n.region)) {
    throw sessionError('invalid_region', `region '${raw}' is not a region name like us-east-1`);
  }
  return n;
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '::1' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Resolves the endpoint for `region`: the custom `endpoint` when given, else
 * `rolesanywhere[-fips].{region}.{dnsSuffix}` of the region's partition.
 */
export function resolveEndpoint(input: {
  region: string;
  endpoint?: string | undefined;
  useFipsEndpoint?: boolean | undefined;
}): ResolvedEndpoint {
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
      `region '${input.region}' is not in a partition rapki knows (aws, aws-cn, aws-us-gov); pass --endpoint for other partitions`,
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
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw sessionError('invalid_endpoint', `endpoint '${raw}' must use https (plain http is allowed only for loopback emulators)`);
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
