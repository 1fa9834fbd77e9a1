/** The CaStore contract on SQLite files (several handles and processes on one file). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { parseStoreUrl } from '../../../ca-server/src/store/store-url.js';
import { defineStoreContract } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'rapki-contract-sqlite-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

defineStoreContract('sqlite', {
  fresh: async () => parseStoreUrl(`sqlite:${join(dir, `s${++n}.db`)}`, { origin: 'default', dir }),
});
