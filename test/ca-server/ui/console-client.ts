/**
 * A cookie-keeping HTTPS client for the console tests (no browser): it trusts only the CA root,
 * keeps `Set-Cookie` values, reads the CSRF token of the last page, and posts forms with the
 * browser's `Origin` (or another one, or none, to play an attacker).
 */
import { request } from 'node:https';

export interface Page {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  location: string | undefined;
  setCookies: string[];
}

export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  csrf: string | undefined;

  constructor(
    readonly base: string,
    readonly ca: string,
  ) {}

  get origin(): string {
    return new URL(this.base).origin;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.#send('GET', path, undefined, headers);
  }

  /** POSTs a form; `_csrf` from the last page is added unless `csrf: null`. */
  post(
    path: string,
    fields: Record<string, string>,
    o: { csrf?: string | null; origin?: string | null; headers?: Record<string, string> } = {},
  ): Promise<Page> {
    const f = new URLSearchParams(fields);
    const token = o.csrf === undefined ? this.csrf : o.csrf;
    if (token !== null && token !== undefined) f.set('_csrf', token);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...(o.headers ?? {}) };
    const origin = o.origin === undefined ? this.origin : o.origin;
    if (origin !== null) headers.origin = origin;
    return this.#send('POST', path, f.toString(), headers);
  }

  #send(method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<Page> {
    const url = new URL(path, this.base);
    const h: Record<string, string> = { ...headers };
    if (this.cookies.size > 0) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) h['content-length'] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers: h, ca: this.ca, servername: 'localhost', agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const setCookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
          for (const c of setCookies) {
            const [pair, ...attrs] = c.split(';');
            const eq = pair!.indexOf('=');
            const name = pair!.slice(0, eq).trim();
            const value = pair!.slice(eq + 1).trim();
            if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '') this.cookies.delete(name);
            else this.cookies.set(name, value);
          }
          const text = Buffer.concat(chunks).toString('utf8');
          const m = /name="_csrf" value="([^"]+)"/.exec(text);
          if (m) this.csrf = m[1];
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, location: res.headers.location, setCookies });
        });
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** GET /ui/sign-in, then POST the token. */
  async signIn(token: string): Promise<Page> {
    await this.get('/ui/sign-in');
    return this.post('/ui/sign-in', { token });
  }
}
