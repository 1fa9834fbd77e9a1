/** The CaStore contract on PostgreSQL (a throw-away cluster; each test its own database). */
import { afterAll, beforeAll } from 'vitest';
import { parseStoreUrl } from '../../../ca-server/src/store/store-url.js';
import { startPostgres, type PostgresCluster } from '../../support/postgres.js';
import { defineStoreContract } from './contract.js';

let pg: PostgresCluster;
beforeAll(async () => {
  pg = await startPostgres({ maxConnections: 200 });
});
afterAll(async () => {
  await pg?.close();
});

defineStoreContract('postgres', () => ({
  fresh: async () => parseStoreUrl(`${await pg.createDatabase()}?sslmode=disable`, { origin: 'env', dir: '/nonexistent' }),
}));
