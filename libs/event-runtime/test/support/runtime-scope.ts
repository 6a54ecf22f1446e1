// A test file's resources, cleaned up after its tests (jest only: the crash tests' child
// processes load runtime-fixture.ts, which must not import jest's globals).
import { afterAll } from '@jest/globals';
import type { EventLog } from '@switchyard/event-log';
import type { TestSchema } from '@switchyard/testing';
import type { DataSource } from 'typeorm';
import { openEventLog, openServiceDatabase, type Backend } from './runtime-fixture.js';

/**
 * A test file's resources: `defer` adds cleanups (run after the file's tests, last added first,
 * failures ignored); `open` gives a fresh service database and an event log on `backend`, both
 * cleaned up with the rest.
 */
export function runtimeScope(): {
  defer: (...cleanup: Array<() => Promise<unknown>>) => void;
  open: (backend: Backend) => Promise<{ schema: TestSchema; dataSource: DataSource; log: EventLog }>;
} {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }, 60_000);
  return {
    defer: (...cleanup) => void cleanups.push(...cleanup),
    open: async (backend) => {
      const { schema, dataSource } = await openServiceDatabase();
      cleanups.push(
        () => schema.drop(),
        () => dataSource.destroy(),
      );
      const log = openEventLog(backend, schema.url);
      cleanups.push(() => log.close());
      return { schema, dataSource, log };
    },
  };
}
