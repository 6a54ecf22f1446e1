// Opens the event log the global options name, read-only in intent: the CLI's SRE commands only
// call `read` and `admin` look-ups, never `append` or `consume`.
// The adapters are imported when a command opens the log, and only the one it uses: a command
// that never reads the log (help, submit) loads neither KafkaJS nor the other clients.
import type { EventLog, KafkaEventLogOptions } from '@switchyard/event-log';
import pg from 'pg';
import { usageError, unavailable } from '../cli-error.js';
import type { GlobalOptions } from '../global-options.js';

/** KafkaJS's logLevel.NOTHING (the option is typed by KafkaJS's enum; the CLI does not depend on KafkaJS). */
const KAFKAJS_LOG_NOTHING = 0 as NonNullable<KafkaEventLogOptions['logLevel']>;

export interface OpenedLog {
  readonly log: EventLog;
  /** Where the log is, for messages: `kafka 127.0.0.1:9092` or `postgres 127.0.0.1:5432/test`. */
  readonly description: string;
}

export async function openEventLog(options: GlobalOptions): Promise<OpenedLog> {
  if (options.backend === 'kafka') {
    if (options.brokers.length === 0) throw usageError('the kafka backend needs brokers: set KAFKA_BROKERS or pass --brokers host:port');
    // No retries beyond KafkaJS's defaults for connecting: an unreachable broker should fail within seconds.
    // KafkaJS's own log stays off: its ERROR lines for expected conditions (asking for a -dlt topic
    // that does not exist yet) would land among the CLI's diagnostics; failures reach the CLI as errors.
    const { KafkaEventLog } = await import('@switchyard/event-log/kafka');
    return {
      log: new KafkaEventLog({ brokers: options.brokers, clientId: 'switchyard-cli', logLevel: KAFKAJS_LOG_NOTHING }),
      description: `kafka ${options.brokers.join(',')}`,
    };
  }
  if (options.databaseUrl === undefined || options.databaseUrl === '') {
    throw usageError('the postgres backend needs a database: set DATABASE_URL or pass --database-url, or use --backend kafka');
  }
  const description = `postgres ${describeUrl(options.databaseUrl)}`;
  await requireExistingLog(options.databaseUrl, description);
  const { PostgresEventLog } = await import('@switchyard/event-log/postgres');
  return { log: new PostgresEventLog({ connectionString: options.databaseUrl, poolSize: 2 }), description };
}

/**
 * The PostgreSQL adapter creates its tables on first use. A CLI pointed at the wrong database
 * must not do that, so check first that an event log is there, with a plain read.
 */
async function requireExistingLog(connectionString: string, description: string): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw unavailable(`cannot connect to ${description}: ${(error as Error).message}`);
  }
  try {
    const { rows } = await client.query<{ table: string | null }>(`SELECT to_regclass('event_log_partitions')::text AS table`);
    if (rows[0]?.table == null) {
      throw unavailable(
        `${description} has no event log (table event_log_partitions not found in the search_path); is DATABASE_URL the right database?`,
      );
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
