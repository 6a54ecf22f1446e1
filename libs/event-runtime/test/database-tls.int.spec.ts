// DATABASE_SSLMODE reaches every connection a service opens: against the test server, which
// does not offer TLS, `require` is refused by the driver and `disable` connects and migrates.
import { describe, expect, it, jest } from '@jest/globals';
import { databaseUrl } from '@switchyard/testing';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { eventRuntimeMigrations, openServiceDatabase, serviceEnvironment } from '../src/index.js';

jest.setTimeout(30_000);

describe('PostgreSQL sslmode', () => {
  it('refuses to run unencrypted when sslmode=require and the server offers no TLS', async () => {
    const environment = serviceEnvironment({ DATABASE_URL: databaseUrl(), DATABASE_SSLMODE: 'require' }, 'tls_required');
    await expect(openServiceDatabase(environment, { migrations: eventRuntimeMigrations })).rejects.toThrow(/does not support SSL/);
  });

  it('connects and migrates with sslmode=disable', async () => {
    const schema = `tls_off_${randomBytes(4).toString('hex')}`;
    const environment = serviceEnvironment({ DATABASE_URL: databaseUrl(), DATABASE_SSLMODE: 'disable', DATABASE_SCHEMA: schema }, 'unused');
    const dataSource = await openServiceDatabase(environment, { migrations: eventRuntimeMigrations });
    try {
      expect(await dataSource.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).toEqual([{ ssl: false }]);
    } finally {
      await dataSource.destroy();
      const admin = new pg.Client({ connectionString: databaseUrl() });
      await admin.connect();
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.end();
    }
  });
});
