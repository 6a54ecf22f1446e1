import { jest } from '@jest/globals';
import { createTestSchema } from '@switchyard/testing';
import { PostgresEventLog } from '../src/index.js';
import { eventLogContract } from './contract/event-log.contract.js';

jest.setTimeout(60_000);

eventLogContract('PostgreSQL (real server)', async () => {
  const schema = await createTestSchema('event_log');
  return {
    open: async (options) =>
      new PostgresEventLog({ connectionString: schema.url, ...(options?.upcasters ? { upcasters: options.upcasters } : {}) }),
    dispose: () => schema.drop(),
  };
});
