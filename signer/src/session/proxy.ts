/**
 * `--with-proxy`: which proxy, if any, CreateSession goes through, from the environment.
 *
 * Rules (as curl and Go's `httpproxy` read the same variables): `HTTPS_PROXY` (or `https_proxy`) for
 * https endpoints, `HTTP_PROXY` (or `http_proxy`) for plain-http loopback emulators; `NO_PROXY` (or
 * `no_proxy`) is a comma list of `*`, host names (also matching sub-domains, leading dot optional),
 * `host:port`, IP addresses and IPv4 CIDR blocks. Unlike Go, loopback hosts are not exempt by
 * themselves: list them in NO_PROXY if needed (this keeps a loopback proxy testable).
 *
 * The proxy agent (`https-proxy-agent`) is imported lazily, only when a proxy is actually used, so
 * the plain credential-process path never loads it.
 */
import type { Agent } from 'node:http';
import { sessionError } from './errors.js';

/** The environment variables this module reads (injected for tests). */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

function envValue(env: ProxyEnv, name: string): string | undefined {
  const v = env[name.toUpperCase()] ?? env[name.toLowerCase()];
  return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
}

function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** True when `NO_PROXY` says `hostname:port` must be reached directly. */
export function bypassesProxy(hostname: string, port: number, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  for (const rawEntry of noProxy.split(',')) {
    let entry = rawEntry.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    // CIDR (IPv4 only).
    const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(entry);
    if (cidr) {
      const net = ipv4ToInt(cidr[1]!);
      const ip = ipv4ToInt(host);
      const bits = Number(cidr[2]);
      if (net !== undefined && ip !== undefined && bits <= 32) {
        const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
        if ((net & mask) === (ip & mask)) return true;
      }
      continue;
    }
    // host:port (not for bare IPv6 literals)
    const hp = /^(.*[^:]):(\d+)$/.exec(entry);
    if (hp && !entry.includes('::') && !entry.startsWith('[')) {
      if (Number(hp[2]) !== port) continue;
      entry = hp[1]!;
    }
    entry = entry.replace(/^\[|\]$/g, '');
    if (entry.startsWith('*.')) entry = entry.slice(1);
    if (entry.startsWith('.')) {
      if (host.endsWith(entry) || host === entry.slice(1)) return true;
    } else if (host === entry || host.endsWith(`.${entry}`)) {
      return true;
    }
  }
  return false;
}

/** The proxy URL to use for this target, or undefined for a direct connection. */
export function proxyFor(
  target: { protocol: 'https:' | 'http:'; hostname: string; port: number },
  env: ProxyEnv,
): URL | undefined {
  const raw = target.protocol === 'https:' ? envValue(env, 'HTTPS_PROXY') : envValue(env, 'HTTP_PROXY');
  if (!raw) return undefined;
  if (bypassesProxy(target.hostname, target.port, envValue(env, 'NO_PROXY'))) return undefined;
  try {
    // `proxy.example:3128` without a scheme means http://, as curl reads it.
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch (cause) {
    // Do not echo the value: it may hold proxy credentials.
    throw sessionError('invalid_endpoint', 'the proxy variable (HTTPS_PROXY/HTTP_PROXY) is not a URL', { cause });
  }
}

/** Loads https-proxy-agent lazily and makes an agent for `proxy`. */
export async function makeProxyAgent(proxy: URL): Promise<Agent> {
  const { HttpsProxyAgent } = await import('https-proxy-agent');
  return new HttpsProxyAgent(proxy, { keepAlive: false }) as unknown as Agent;
}
