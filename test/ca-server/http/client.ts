/** Minimal HTTPS client for the CA server tests: trusts only the CA root, optional client cert. */
import { request } from 'node:https';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Resp {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface ClientOpts {
  ca: string;
  cert?: string;
  key?: string;
}

export function call(
  base: string,
  method: string,
  path: string,
  opts: ClientOpts & { body?: unknown; raw?: string | Buffer; token?: string; headers?: Record<string, string> },
): Promise<Resp> {
  const url = new URL(path, base);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let payload: Buffer | undefined;
  if (opts.raw !== undefined) payload = Buffer.from(opts.raw);
  else if (opts.body !== undefined) {
    payload = Buffer.from(JSON.stringify(opts.body));
    headers['content-type'] ??= 'application/json';
  }
  if (payload) headers['content-length'] = String(payload.length);
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca: opts.ca, cert: opts.cert, key: opts.key, agent: false, servername: 'localhost' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: unknown;
        if (String(res.headers['content-type'] ?? '').includes('json')) json = JSON.parse(body.toString());
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** Key + CSR made by openssl (independent of our own CSR code). */
export function opensslCsr(
  dir: string,
  name: string,
  subject: string,
  sans: string[],
  keySpec: string[] = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
): { keyPath: string; csr: string; key: string } {
  const keyPath = join(dir, `${name}.key`);
  const csrPath = join(dir, `${name}.csr`);
  const args = ['req', '-new', ...keySpec, '-nodes', '-subj', subject, '-keyout', keyPath, '-out', csrPath];
  if (sans.length > 0) args.push('-addext', `subjectAltName=${sans.join(',')}`);
  execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return { keyPath, csr: readFileSync(csrPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}

/** Runs openssl; returns {ok, out} instead of throwing. */
export function openssl(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: r.status === 0, out: String(r.stdout ?? '') + String(r.stderr ?? '') };
}
