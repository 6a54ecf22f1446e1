// A real consumer process is SIGKILLed after its database commit and before its offset commit;
// after a restart nothing is applied twice, and without the inbox it would be.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestSchema, type TestSchema } from '@switchyard/testing';
import pg from 'pg';
import { ensureRuntimeSchema, PostgresEventLog } from '../../src/index.js';
import { eventually, sampleEvent } from '../contract/fixtures.js';

jest.setTimeout(90_000);

const child = fileURLToPath(new URL('./consumer.child.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('../..', import.meta.url));

function runConsumer(env: Record<string, string>): { exited: Promise<NodeJS.Signals | number | null>; terminate(): void } {
  const process_ = spawn(process.execPath, ['--conditions=@switchyard/source', '--import', '@swc-node/register/esm-register', child], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return {
    exited: new Promise((resolve) => process_.on('exit', (code, signal) => resolve(signal ?? code))),
    terminate: () => process_.kill('SIGTERM'),
  };
}

describe('consumer killed between its database commit and its offset commit (PostgreSQL log)', () => {
  let schema: TestSchema;
  let pool: pg.Pool;
  let log: PostgresEventLog;

  beforeAll(async () => {
    schema = await createTestSchema('fault_kill');
    pool = new pg.Pool({ connectionString: schema.url, max: 2 });
    await ensureRuntimeSchema(pool);
    await pool.query('CREATE TABLE fault_counters (run text, id text, n integer NOT NULL DEFAULT 0, PRIMARY KEY (run, id))');
    log = new PostgresEventLog({ connectionString: schema.url });
    await log.admin.createTopics([{ topic: 'jobs', partitions: 1 }]);
    await log.append('jobs', ['job-a', 'job-b', 'job-c', 'job-a', 'job-b', 'job-c'].map((key, i) => sampleEvent(key, { i })));
  });

  afterAll(async () => {
    await log.close();
    await pool.end();
    await schema.drop();
  });

  async function scenario(group: string, inbox: boolean): Promise<number> {
    await pool.query("INSERT INTO fault_counters (run, id) VALUES ($1, 'job-a'), ($1, 'job-b'), ($1, 'job-c')", [group]);
    const env = { FAULT_DATABASE_URL: schema.url, FAULT_TOPIC: 'jobs', FAULT_GROUP: group, FAULT_INBOX: inbox ? '1' : '0' };

    const killed = runConsumer({ ...env, FAULT_KILL: '1' });
    expect(await killed.exited).toBe('SIGKILL');
    expect(await log.admin.committedOffsets(group, 'jobs')).toEqual([]);

    const restarted = runConsumer({ ...env, FAULT_KILL: '0' });
    await eventually(async () => expect(await log.admin.committedOffsets(group, 'jobs')).toEqual([{ partition: 0, offset: '6' }]), 60_000);
    restarted.terminate();
    expect(await restarted.exited).toBe(0);
    const { rows } = await pool.query<{ total: number }>('SELECT sum(n)::int AS total FROM fault_counters WHERE run = $1', [group]);
    return rows[0]!.total;
  }

  it('with the inbox, the redelivered batch changes nothing: each of the 6 events counted once', async () => {
    expect(await scenario('with-inbox', true)).toBe(6);
  });

  it('with the inbox switched off, the same crash counts the batch twice', async () => {
    expect(await scenario('without-inbox', false)).toBe(12);
  });
});
