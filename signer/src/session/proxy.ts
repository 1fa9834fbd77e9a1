/**
 * Which proxy, if any, CreateSession goes through: the environment, read as Go's
 * `net/http.ProxyFromEnvironment` (golang.org/x/net/http/httpproxy) reads it, because the official
 * helper's Go SDK transport always honours it — with or without `--with-proxy`.
 *
 * - `HTTPS_PROXY` (else `https_proxy`) for https endpoints, `HTTP_PROXY` (else `http_proxy`) for
 *   plain-http ones; `HTTP_PROXY` is refused when `REQUEST_METHOD` is set (CGI, httpoxy).
 * - A value without a scheme means `http://` (`proxy.example:3128`).
 * - `localhost` and loopback addresses never go through a proxy.
 * - `NO_PROXY` (else `no_proxy`): comma list of `*`, IP addresses, CIDR blocks (IPv4 and IPv6),
 *   and domain names, each optionally with `:port`. `example.com` matches it and its sub-domains,
 *   `.example.com` (or `*.example.com`) only sub-domains.
 */
import { BlockList, isIP } from 'node:net';
import { sessionError } from './errors.js';

/** The environment variables this module reads (injected for tests). */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/** A proxy to use, and which variable named it (for messages; the URL may hold credentials). */
export interface ProxyChoice {
  readonly url: URL;
  readonly variable: string;
}

/** The first non-empty of the variables, as Go's getEnvAny (blank counts as empty). */
function envAny(env: ProxyEnv, ...names: string[]): { value: string; variable: string } | undefined {
  for (const n of names) {
    const v = env[n]?.trim();
    if (v !== undefined && v !== '') return { value: v, variable: n };
  }
  return undefined;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Go's net.IP.IsLoopback: 127.0.0.0/8, ::1, and IPv4-mapped 127/8. */
function isLoopbackIp(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) return ip.startsWith('127.');
  if (v === 6) {
    const lower = ip.toLowerCase();
    if (lower === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(lower)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped !== null && mapped[1]!.startsWith('127.');
  }
  return false;
}

/** `host:port` split of a NO_PROXY entry (Go net.SplitHostPort), or undefined when it has no port. */
function splitHostPort(entry: string): { host: string; port: string } | undefined {
  const bracket = /^\[([^\]]*)\]:(\d+)$/.exec(entry);
  if (bracket) return { host: bracket[1]!, port: bracket[2]! };
  const m = /^([^:]*):(\d+)$/.exec(entry);
  return m ? { host: m[1]!, port: m[2]! } : undefined;
}

/** True when `NO_PROXY` (or being loopback) says `hostname:port` is reached directly. */
export function bypassesProxy(hostname: string, port: number, noProxy: string | undefined): boolean {
  const host = stripBrackets(hostname).trim().toLowerCase();
  if (host === 'localhost') return true;
  const ipVersion = isIP(host);
  if (ipVersion !== 0 && isLoopbackIp(host)) return true;
  if (!noProxy) return false;
  const portText = String(port);
  for (const raw of noProxy.split(',')) {
    const p = raw.trim().toLowerCase();
    if (p === '') continue;
    if (p === '*') return true;
    const cidr = /^([^/]+)\/(\d{1,3})$/.exec(p);
    if (cidr && isIP(cidr[1]!) !== 0) {
      if (ipVersion === 0) continue;
      const family = isIP(cidr[1]!) === 4 ? 'ipv4' : 'ipv6';
      const bits = Number(cidr[2]);
      if (bits > (family === 'ipv4' ? 32 : 128)) continue;
      const list = new BlockList();
      try {
        list.addSubnet(cidr[1]!, bits, family);
      } catch {
        continue;
      }
      if (list.check(host, ipVersion === 4 ? 'ipv4' : 'ipv6')) return true;
      continue;
    }
    const hp = splitHostPort(p);
    const phost = stripBrackets(hp ? hp.host : p);
    const pport = hp?.port;
    if (phost === '') continue;
    if (isIP(phost) !== 0) {
      if (ipVersion !== 0 && sameIp(phost, host) && (pport === undefined || pport === portText)) return true;
      continue;
    }
    let domain = phost.startsWith('*.') ? phost.slice(1) : phost;
    const matchHost = !domain.startsWith('.');
    if (matchHost) domain = `.${domain}`;
    if ((host.endsWith(domain) || (matchHost && host === domain.slice(1))) && (pport === undefined || pport === portText)) return true;
  }
  return false;
}

function sameIp(a: string, b: string): boolean {
  if (a === b) return true;
  const list = new BlockList();
  const v = isIP(a) === 4 ? 'ipv4' : 'ipv6';
  list.addAddress(a, v);
  return list.check(b, isIP(b) === 4 ? 'ipv4' : 'ipv6');
}

/** Parses a proxy variable's value as Go does (no scheme → http://); never echoes the value. */
function parseProxy(value: string, variable: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if ((url === undefined || url.host === '') && !value.includes('://')) {
    try {
      url = new URL(`http://${value}`);
    } catch (cause) {
      // Do not echo the value: it may hold proxy credentials.
      throw sessionError('invalid_endpoint', `${variable} is not a proxy URL (expected http://host:port)`, { cause });
    }
  }
  if (url === undefined || url.host === '') throw sessionError('invalid_endpoint', `${variable} is not a proxy URL (expected http://host:port)`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw sessionError('invalid_endpoint', `${variable} names a ${url.protocol.replace(/:$/, '')} proxy; rapki supports http:// and https:// proxies`);
  }
  return url;
}

/** The proxy to use for this target, or undefined for a direct connection. */
export function proxyFor(target: { protocol: 'https:' | 'http:'; hostname: string; port: number }, env: ProxyEnv): ProxyChoice | undefined {
  const chosen = target.protocol === 'https:' ? envAny(env, 'HTTPS_PROXY', 'https_proxy') : envAny(env, 'HTTP_PROXY', 'http_proxy');
  if (!chosen) return undefined;
  if (bypassesProxy(target.hostname, target.port, envAny(env, 'NO_PROXY', 'no_proxy')?.value)) return undefined;
  if (target.protocol === 'http:' && env.REQUEST_METHOD) {
    throw sessionError('invalid_endpoint', `refusing to use ${chosen.variable} in a CGI environment (REQUEST_METHOD is set; see httpoxy)`);
  }
  return { url: parseProxy(chosen.value, chosen.variable), variable: chosen.variable };
}

/** The proxy URL without credentials, for messages. */
export function describeProxy(p: ProxyChoice): string {
  return `${p.url.protocol}//${p.url.host} (${p.variable})`;
}
