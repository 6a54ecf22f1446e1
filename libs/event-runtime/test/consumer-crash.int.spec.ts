// A consumer process killed (SIGKILL) after its database commit and before its offset commit
// gets the same events again after restart; the inbox makes the second delivery change nothing.
// Without the inbox the same crash applies the re-delivered events twice.
import { describe, expect, it } from '@jest/globals';
import type { EventLog } from '@switchyard/event-log';
import { uniqueName, type TestSchema } from '@switchyard/testing';
import type { DataSource } from 'typeorm';
import { accountEvent, accountsState, DEPOSITED } from './support/accounts.js';
import { BACKENDS, createTopic, eventually, type Backend } from './support/runtime-fixture.js';
import { runtimeScope } from './support/runtime-scope.js';
import { startWorker } from './support/worker.js';

const EVENTS = 12;
const CRASH_AFTER = 5;

describe.each(BACKENDS)('a consumer killed between DB commit and offset commit, %s log', (backend: Backend) => {
  const scope = runtimeScope();

  async function setUp(): Promise<{ schema: TestSchema; dataSource: DataSource; log: EventLog; topic: string }> {
    const { schema, dataSource, log } = await scope.open(backend);
    const topic = await createTopic(log, 'deposits', 1);
    await log.append(
      topic,
      Array.from({ length: EVENTS }, (_, i) => accountEvent(DEPOSITED, `acct-${i % 3}`, 10 + i)),
    );
    return { schema, dataSource, log, topic };
  }

  async function crashThenRestart(inbox: boolean): Promise<{ applied: number; total: number; committedAtCrash: number }> {
    const { schema, dataSource, log, topic } = await setUp();
    const groupId = uniqueName('deposits');
    const config = { backend, databaseUrl: schema.url, topic, groupId, mode: 'consume' as const, inbox };

    const first = startWorker({ ...config, crashAfter: CRASH_AFTER });
    scope.defer(() => first.sigkill());
    await first.next('committed');
    await first.sigkill();
    const appliedAtCrash = (await accountsState(dataSource.manager)).reduce((n, a) => n + a.applied, 0);
    const committed = await log.admin.committedOffsets(groupId, topic);
    const committedAtCrash = Number(committed.find((c) => c.partition === 0)?.offset ?? 0);
    // The kill landed where it should: events applied in the database beyond the committed offset.
    expect(appliedAtCrash).toBe(CRASH_AFTER);
    expect(committedAtCrash).toBeLessThan(CRASH_AFTER);

    const second = startWorker(config);
    scope.defer(() => second.sigkill());
    await second.next('ready');
    await eventually(async () => {
      const lag = await log.admin.lag(groupId, topic);
      expect(lag.reduce((n, p) => n + p.lag, 0)).toBe(0);
    }, 60_000);
    await second.stop();
    const state = await accountsState(dataSource.manager);
    return {
      applied: state.reduce((n, a) => n + a.applied, 0),
      total: state.reduce((n, a) => n + Number(a.balance), 0),
      committedAtCrash,
    };
  }

  const expectedTotal = Array.from({ length: EVENTS }, (_, i) => 10 + i).reduce((a, b) => a + b, 0);

  it('applies every event exactly once after the restart', async () => {
    const result = await crashThenRestart(true);
    expect(result).toEqual({ applied: EVENTS, total: expectedTotal, committedAtCrash: result.committedAtCrash });
  }, 120_000);

  it('without the inbox, applies the events between the two commits twice (mechanism off)', async () => {
    const result = await crashThenRestart(false);
    expect(result.applied).toBe(EVENTS + CRASH_AFTER - result.committedAtCrash);
    expect(result.total).toBeGreaterThan(expectedTotal);
  }, 120_000);
});
