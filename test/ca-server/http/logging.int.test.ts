import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa } from '../../../ca-server/src/init.js';
import { startCaServer, type RunningCaServer } from '../../../ca-server/src/serve.js';
import { createLogger } from '../../../ca-server/src/logger.js';
import { FAST_KDF, TEST_PASSPHRASE } from '../authority/fixtures.js';
import { call, opensslCsr } from './client.js';

describe('server logs', () => {
  let tmp: string;
  let srv: RunningCaServer;
  let logText = '';
  let adminToken: string;
  let ca: string;
  const sink = new PassThrough();
  sink.on('data', (b: Buffer) => {
    logText += b.toString();
  });
  /** Resolves once every `needle` was logged (the server logs a request after answering it). */
  const logged = (needles: readonly string[], timeoutMs = 10_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!needles.every((n) => logText.includes(n))) return;
        sink.off('data', check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        sink.off('data', check);
        reject(new Error(`not logged within ${timeoutMs} ms: ${needles.filter((n) => !logText.includes(n)).join(', ')}\n${logText}`));
      }, timeoutMs);
      sink.on('data', check);
      check();
    });

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rapki-log-'));
    const init = await initCa({ dir: join(tmp, 'ca'), passphrase: TEST_PASSPHRASE, keyEncryption: FAST_KDF });
    adminToken = init.adminToken;
    ca = readFileSync(init.root, 'utf8');
    srv = await startCaServer({
      dir: join(tmp, 'ca'),
      listen: '127.0.0.1:0',
      env: { RAPKI_CA_PASSPHRASE: TEST_PASSPHRASE },
      log: createLogger({ level: 'debug', destination: sink }),
    });
  });
  afterAll(async () => {
    await srv.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('carry request ids and never tokens, CSRs, keys or Authorization headers', async () => {
    const t = await call(srv.url, 'POST', '/v1/admin/tokens', { ca, token: adminToken, body: { subject: 'log-1' }, headers: { 'x-request-id': 'req-log-1' } });
    const k = opensslCsr(tmp, 'log-1', '/CN=log-1', []);
    await call(srv.url, 'POST', '/v1/enroll', { ca, body: { token: t.json.token, csr: k.csr } });
    await call(srv.url, 'POST', '/v1/enroll', { ca, body: { token: t.json.token, csr: k.csr } }); // refused: token_used
    // Anything that does log a request object gets its credentials censored.
    const log = createLogger({ destination: sink });
    log.info({ req: { headers: { authorization: `Bearer ${adminToken}` } }, body: { token: t.json.token } }, 'probe');
    await logged(['"reqId":"req-log-1"', '"code":"token_used"', '"msg":"probe"']);
    expect(logText).toContain('"reqId":"req-log-1"');
    expect(logText).toContain('"code":"token_used"');
    expect(logText).toContain('[redacted]');
    expect(logText).not.toContain(adminToken);
    expect(logText).not.toContain(t.json.token);
    expect(logText).not.toContain('BEGIN CERTIFICATE REQUEST');
    expect(logText).not.toContain('PRIVATE KEY');
    expect(logText).not.toContain(TEST_PASSPHRASE);
  });
});
