// Starts everything the integration and end-to-end tests need, in one place, for both
// `pnpm test` (in-process) and `pnpm infra:up` (a detached host process).
import { startKafka } from './kafka.mjs';
import { startPostgres } from './postgres.mjs';

/** `brokers`: Kafka nodes to start from the jars (3: a replicated cluster); default 1. */
export async function provision(log = console.error, { brokers = 1 } = {}) {
  const [kafkaStart, postgresStart] = await Promise.allSettled([startKafka(log, { brokers }), startPostgres(log)]);
  if (kafkaStart.status === 'rejected' || postgresStart.status === 'rejected') {
    // Stop whichever did start before reporting the failure.
    await Promise.allSettled([kafkaStart, postgresStart].filter((s) => s.status === 'fulfilled').map((s) => s.value.stop()));
    throw kafkaStart.status === 'rejected' ? kafkaStart.reason : postgresStart.reason;
  }
  const [kafka, postgres] = [kafkaStart.value, postgresStart.value];
  return {
    env: { KAFKA_BROKERS: kafka.brokers.join(','), DATABASE_URL: postgres.url },
    versions: { kafka: kafka.version, postgres: postgres.version },
    kafkaLog: kafka.logFile,
    /** Broker processes this run started (none when the broker was given or is a container). */
    kafkaPids: kafka.pids,
    async stop() {
      await Promise.allSettled([kafka.stop(), postgres.stop()]);
    },
  };
}
