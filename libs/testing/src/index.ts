export { databaseUrl, kafkaBrokers } from './environment.js';
export { createTestSchema, createTestTopics, uniqueName, type TestSchema, type TestTopics } from './isolation.js';
export { fixedClock, type TestClock } from './clock.js';
export { eventually } from './eventually.js';
export { TestCertificates, type ClientSubject, type Issued } from './test-certificates.js';
export { quiescent, type LagSource, type QuiescenceOptions } from './quiescent.js';
export { startRestartablePostgres, type RestartablePostgres } from './restartable-postgres.js';
export { startKafkaCluster, type KafkaCluster } from './kafka-cluster.js';
export {
  BACKENDS,
  operatorsDocument,
  readAll,
  sha256Hex,
  tenantsDocument,
  writeCredentialFiles,
  type Backend,
  type OperatorFixture,
  type TenantFixture,
} from './fixtures.js';
