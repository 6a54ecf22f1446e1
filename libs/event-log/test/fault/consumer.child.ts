// A consumer process for the fault tests: applies each event through the inbox (or, with
// FAULT_INBOX=0, directly) and, with FAULT_KILL=1, SIGKILLs itself after its database commits
// and before the log commits the batch's offset.
import pg from 'pg';
import { applyOnce, PostgresEventLog } from '../../src/index.js';

const env = (name: string): string => process.env[name] ?? '';
const pool = new pg.Pool({ connectionString: env('FAULT_DATABASE_URL'), max: 2 });
const log = new PostgresEventLog({ connectionString: env('FAULT_DATABASE_URL') });

const count = (key: string) => async (tx: pg.PoolClient) => {
  await tx.query('UPDATE fault_counters SET n = n + 1 WHERE run = $1 AND id = $2', [env('FAULT_GROUP'), key]);
};

await log.consume({ groupId: env('FAULT_GROUP'), topics: [env('FAULT_TOPIC')] }, async ({ events }) => {
  for (const event of events) {
    if (env('FAULT_INBOX') === '0') {
      const tx = await pool.connect();
      await count(event.key)(tx).finally(() => tx.release());
    } else {
      await applyOnce(pool, { consumer: env('FAULT_GROUP'), eventId: event.envelope.id }, count(event.key));
    }
  }
  if (env('FAULT_KILL') === '1') process.kill(process.pid, 'SIGKILL');
});

process.on('SIGTERM', () => {
  void log
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
