// A PostgreSQL server a test can stop and start again (outage tests); see infra/postgres.mjs.
export { startRestartablePostgres, type RestartablePostgres } from '../infra/postgres.mjs';
