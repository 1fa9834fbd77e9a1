/**
 * The routes an express app actually serves, read from its router stack: one list for the 404 vs
 * 405 decision (`app.ts`) and for tests that must reach every route (a route added later is in
 * the list without anyone updating a table).
 *
 * Reads express 5 / router 2 internals (`app.router.stack`, `layer.route`, `layer.rawPath`,
 * `layer.handle.stack`); `test/ca-server/http/hostile-requests.int.test.ts` fails if they change shape.
 */
import type express from 'express';

export interface RouteInfo {
  /** Express path, e.g. `/v1/admin/certificates/:serial/revoke`; a mounted handler ends in `/*`. */
  readonly path: string;
  /** Upper-case methods (GET implies HEAD); `'any'` for a mounted handler (static files, another app). */
  readonly methods: readonly string[] | 'any';
  /** Matches a request path (`req.path`) served by this entry. */
  readonly pattern: RegExp;
}

interface LayerLike {
  readonly rawPath?: unknown;
  readonly route?: { readonly path: unknown; readonly methods: Record<string, boolean> };
  readonly handle?: { readonly stack?: readonly LayerLike[] };
}

/** `/a/:id/b`, `/files/*rest`, `/x{/:opt}` → an anchored RegExp (express 5 path syntax). */
export function pathPattern(path: string, prefixOnly = false): RegExp {
  let re = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === ':' || c === '*') {
      let j = i + 1;
      while (j < path.length && /[A-Za-z0-9_$]/.test(path[j]!)) j++;
      re += c === ':' ? '[^/]+' : '.*';
      i = j - 1;
    } else if (c === '{') re += '(?:';
    else if (c === '}') re += ')?';
    else re += c.replace(/[.+?^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}${prefixOnly ? '(?:/.*)?' : '/?'}$`);
}

function walk(stack: readonly LayerLike[], prefix: string, out: RouteInfo[]): void {
  for (const layer of stack) {
    if (layer.route && typeof layer.route.path === 'string') {
      const path = (prefix + layer.route.path).replace(/(.)\/$/, '$1');
      const methods = new Set(Object.keys(layer.route.methods).map((m) => m.toUpperCase()));
      if (methods.has('GET')) methods.add('HEAD');
      out.push({ path, methods: [...methods].sort(), pattern: pathPattern(path) });
      continue;
    }
    const raw = typeof layer.rawPath === 'string' ? layer.rawPath : undefined;
    if (raw === undefined) continue;
    const mount = raw === '/' ? prefix : prefix + raw;
    if (layer.handle?.stack) walk(layer.handle.stack, mount, out);
    else if (raw !== '/') out.push({ path: `${mount}/*`, methods: 'any', pattern: pathPattern(mount, true) });
  }
}

/**
 * Every route of `app`, in the order express matches them. Call after all routes are added.
 * Middleware mounted in front of a router (`app.use('/x', auth, router)`) is not a route of its
 * own; a handler mounted where no route lives (static files) is listed with methods `'any'`.
 */
export function listRoutes(app: express.Express): RouteInfo[] {
  const out: RouteInfo[] = [];
  walk((app as unknown as { router: { stack: readonly LayerLike[] } }).router.stack, '', out);
  const concrete = out.filter((r) => r.methods !== 'any');
  const seen = new Set<string>();
  return out.filter((r) => {
    if (r.methods !== 'any') return true;
    const mount = r.path.slice(0, -2);
    if (seen.has(mount) || concrete.some((c) => c.path === mount || c.path.startsWith(`${mount}/`))) return false;
    seen.add(mount);
    return true;
  });
}
