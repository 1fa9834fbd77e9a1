/**
 * The CaStore contract on PostgreSQL (a throw-away cluster; each test its own database, whose
 * default collation is ICU `en-US` as on a server created with a locale: the store must not depend
 * on a binary default collation for its prefix ranges and orders).
 */
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
  fresh: async () => parseStoreUrl(`${await pg.createDatabase(undefined, { icuLocale: 'en-US' })}?sslmode=disable`, { origin: 'env', dir: '/nonexistent' }),
}));
