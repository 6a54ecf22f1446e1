// Starts everything the integration and end-to-end tests need, in one place, for both
// `pnpm test` (in-process) and `pnpm infra:up` (a detached host process).
import { startKafka } from './kafka.mjs';
import { startPostgres } from './postgres.mjs';

export async function provision(log = console.error) {
  const [kafka, postgres] = await Promise.all([startKafka(log), startPostgres(log)]);
  return {
    env: { KAFKA_BROKERS: kafka.brokers.join(','), DATABASE_URL: postgres.url },
    versions: { kafka: kafka.version, postgres: postgres.version },
    kafkaLog: kafka.logFile,
    async stop() {
      await Promise.allSettled([kafka.stop(), postgres.stop()]);
    },
  };
}
