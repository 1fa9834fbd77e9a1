import { describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { CA_ERROR_CODES, httpStatusOf } from '../../../ca-server/src/errors.js';
import { ERRORS } from '../../../common/src/errors/registry.js';
import { errorHandler } from '../../../ca-server/src/http/error-handler.js';
import { CaMetrics } from '../../../ca-server/src/http/metrics.js';
import { silentLogger } from '../../../ca-server/src/logger.js';
import { parseListen } from '../../../ca-server/src/config.js';
import { initCa } from '../../../ca-server/src/init.js';
import { startCaServer } from '../../../ca-server/src/serve.js';
import { FAST_KDF, TEST_PASSPHRASE } from '../authority/fixtures.js';
import { call } from './client.js';

const docs = readFileSync(new URL('../../../docs/ca-api.md', import.meta.url), 'utf8');

describe('CA error table', () => {
  it('codes are snake_case with a status, a message, and documented in docs/ca-api.md', () => {
    for (const code of CA_ERROR_CODES) {
      const spec = ERRORS[code];
      expect(code).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(spec.message.length).toBeGreaterThan(5);
      if (spec.http !== undefined) expect([400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 503]).toContain(spec.http);
      expect(docs).toContain(`\`${code}\``);
    }
  });

  it('the docs table lists exactly the HTTP codes of the CA API with the same statuses', () => {
    const rows = [...docs.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])] as const);
    const http = Object.entries(ERRORS).filter(([, s]) => s.http !== undefined);
    expect(new Map(rows)).toEqual(new Map(http.map(([c, s]) => [c, s.http])));
    expect(httpStatusOf('some_other_component_code')).toBe(500);
  });

  it('an uncoded error becomes 500 internal_error without leaking its message', async () => {
    const app = express();
    app.get('/boom', () => {
      throw new Error('secret detail /etc/passwd');
    });
    const metrics = new CaMetrics(() => new Date());
    app.use(errorHandler(silentLogger(), metrics));
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/boom`);
      expect(res.status).toBe(500);
      const body = (await res.json()) as { code: string; message: string };
      expect(body).toEqual({ code: 'internal_error', message: ERRORS.internal_error.message });
      expect(metrics.render()).toContain('rapki_ca_errors_total{code="internal_error"} 1');
    } finally {
      server.close();
    }
  });

  it('parseListen accepts HOST:PORT, [v6]:PORT and refuses the rest (listen_invalid)', () => {
    expect(parseListen('127.0.0.1:8443')).toEqual({ host: '127.0.0.1', port: 8443 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen('ca.example:443')).toEqual({ host: 'ca.example', port: 443 });
    for (const bad of ['nope', '1.2.3.4:99999', ':80', 'a:b']) expect(() => parseListen(bad)).toThrow(expect.objectContaining({ code: 'listen_invalid' }));
  });

  it('invalid configuration and a corrupt ca.json give ca_config_invalid', async () => {
    const { authorityConfig } = await import('../../../ca-server/src/authority/authority-config.js');
    const { readCaConfig } = await import('../../../ca-server/src/ca-dir.js');
    expect(() => authorityConfig({ crlRefreshSeconds: 90_000 })).toThrow(expect.objectContaining({ code: 'ca_config_invalid' }));
    expect(() => authorityConfig({ maxCertTtlSeconds: -1 })).toThrow(expect.objectContaining({ code: 'ca_config_invalid' }));
    const tmp = mkdtempSync(join(tmpdir(), 'rapki-cfg-'));
    try {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(tmp, 'ca.json'), '{"version": 1, "keyType": "dsa"}');
      expect(() => readCaConfig(tmp)).toThrow(expect.objectContaining({ code: 'ca_config_invalid' }));
      writeFileSync(join(tmp, 'ca.json'), 'not json');
      expect(() => readCaConfig(tmp)).toThrow(expect.objectContaining({ code: 'ca_config_invalid' }));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('/readyz answers 503 not_ready when the store is gone', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rapki-ready-'));
    const init = await initCa({ dir: join(tmp, 'ca'), passphrase: TEST_PASSPHRASE, keyEncryption: FAST_KDF });
    const srv = await startCaServer({ dir: join(tmp, 'ca'), listen: '127.0.0.1:0', env: { RAPKI_CA_PASSPHRASE: TEST_PASSPHRASE }, log: silentLogger() });
    try {
      const ca = readFileSync(init.root, 'utf8');
      expect((await call(srv.url, 'GET', '/readyz', { ca })).status).toBe(200);
      await srv.ca.store.close();
      const r = await call(srv.url, 'GET', '/readyz', { ca });
      expect([r.status, r.json.code]).toEqual([503, 'not_ready']);
    } finally {
      await srv.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
