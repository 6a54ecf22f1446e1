// A service process for the fault tests, run with `fork` so the test can SIGKILL it at a chosen
// point. It reports over IPC when it reached that point and then waits to be killed.
import type { EventEnvelope } from '@switchyard/event-log';
import { EventConsumer, Outbox, OutboxRelay, type InboxStore } from '../../src/index.js';
import { accountEvent, applyAccountEvent, DEPOSITED, OPENED } from '../support/accounts.js';
import { openEventLog, quietLogger, serviceDataSource, type Backend } from '../support/runtime-fixture.js';

export interface WorkerConfig {
  readonly backend: Backend;
  readonly databaseUrl: string;
  readonly topic: string;
  /**
   * consume: apply the topic's events (crashAfter: hang once that many were applied and committed);
   * command: open an account and store AccountOpened in the outbox, in one transaction, then hang;
   * direct: open an account, commit, then hang where it would publish (no outbox);
   * relay: run the outbox relay and hang right after its first append.
   */
  readonly mode: 'consume' | 'command' | 'direct' | 'relay';
  readonly groupId?: string;
  readonly crashAfter?: number;
  readonly inbox?: boolean;
  readonly accountId?: string;
}

const config = JSON.parse(process.env.WORKER_CONFIG!) as WorkerConfig;
const report = (message: Record<string, unknown>): void => {
  process.send!(message);
};
const hang = (): Promise<never> => new Promise<never>(() => undefined);

const dataSource = serviceDataSource(config.databaseUrl);
await dataSource.initialize();
const eventLog = openEventLog(config.backend, config.databaseUrl);

if (config.mode === 'consume') {
  let applied = 0;
  const noInbox: InboxStore = { claim: async () => true, claimAll: async (_manager, _group, events) => events.map(() => true) };
  const consumer = new EventConsumer({
    eventLog,
    dataSource,
    groupId: config.groupId!,
    topics: [config.topic],
    handlers: new Map([[DEPOSITED, applyAccountEvent]]),
    inbox: config.inbox === false ? noInbox : undefined,
    // Batches end where the crash is staged: the first batch's transaction commits, then the
    // worker hangs before its offset commit (a batch applies in one transaction).
    maxBatchSize: config.crashAfter ?? 100,
    createDeadLetterTopics: false,
    logger: quietLogger,
    onOutcome: async (_event, outcome) => {
      if (outcome === 'applied') applied++;
      // The transaction has committed; the batch handler has not returned, so no offset is committed.
      if (applied === config.crashAfter) {
        report({ committed: applied });
        await hang();
      }
    },
  });
  await consumer.start();
  report({ ready: true });
  process.on('message', async () => {
    await consumer.stop();
    await eventLog.close();
    await dataSource.destroy();
    process.exit(0);
  });
} else if (config.mode === 'command' || config.mode === 'direct') {
  const opened: EventEnvelope = accountEvent(OPENED, config.accountId!, 100);
  await dataSource.transaction(async (manager) => {
    await manager.query('INSERT INTO accounts (account_id, balance) VALUES ($1, 100)', [config.accountId]);
    if (config.mode === 'command') await new Outbox().add(manager, config.topic, opened);
  });
  report({ committed: opened.id });
  await hang();
  // direct mode would publish here: `await eventLog.append(config.topic, [opened])`.
} else {
  const relay = new OutboxRelay({
    dataSource,
    eventLog,
    logger: quietLogger,
    onAppended: async (_topic, envelopes) => {
      report({ appended: envelopes.map((e) => e.id) });
      await hang();
    },
  });
  relay.start();
}
