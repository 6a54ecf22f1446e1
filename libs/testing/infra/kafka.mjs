// A real Apache Kafka broker for tests and `pnpm infra:up`.
// Order: KAFKA_BROKERS if set; else a Testcontainers broker when a Docker engine answers;
// else a single-node KRaft broker started from Maven Central jars with the local JDK.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { dockerEngineAnswers } from './docker.mjs';
import { freePort } from './ports.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const pomFile = path.resolve(here, '../kafka/pom.xml');
const repoRoot = path.resolve(here, '../../..');
export const infraDir = path.join(repoRoot, '.infra');

export function pinnedKafkaVersion() {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(fs.readFileSync(pomFile, 'utf8'));
  if (!match) throw new Error(`no <kafka.version> in ${pomFile}`);
  return match[1];
}

/** Resolves the broker's classpath with Maven once per version; later runs reuse the copy. */
function resolveJars(version, log) {
  const dir = path.join(repoRoot, '.kafka', `jars-${version}`);
  if (fs.existsSync(path.join(dir, `kafka_2.13-${version}.jar`))) return dir;
  log(`resolving Apache Kafka ${version} jars from Maven Central into ${dir}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  execFileSync(
    'mvn',
    ['-B', '-q', '-f', pomFile, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return dir;
}

function brokerProperties({ port, controllerPort, dataDir }) {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

/** Polls an admin call until the broker answers; readiness is an answer, not a sleep. */
export async function waitForKafka(brokers, { timeoutMs = 90_000, isAlive = () => true } = {}) {
  const kafka = new Kafka({ clientId: 'switchyard-infra', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error('Kafka broker process exited before it became ready');
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0 && cluster.controller !== null) return cluster;
    } catch (err) {
      lastError = err;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Kafka at ${brokers.join(',')} did not answer within ${timeoutMs} ms: ${lastError}`);
}

const BROKER_DIR = /^switchyard-kafka-(\d+)-/;

/**
 * Removes broker folders (configuration and data, in the temporary directory) whose owning
 * process is gone: a process killed outright cannot remove its own. `pid` limits it to one owner.
 */
export function removeStaleBrokerDirs(pid) {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const owner = Number(BROKER_DIR.exec(name)?.[1]);
    if (!owner || (pid !== undefined && owner !== pid) || (pid === undefined && processAlive(owner))) continue;
    fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

async function startJvmBroker(log) {
  const version = pinnedKafkaVersion();
  const jars = resolveJars(version, log);
  const classpath = `${jars}/*`;
  removeStaleBrokerDirs();
  // The owner's pid in the name lets a later run remove it if this process is killed outright.
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `switchyard-kafka-${process.pid}-`));
  const logDir = path.join(infraDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `kafka-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
  const [port, controllerPort] = [await freePort(), await freePort()];
  const propsFile = path.join(workDir, 'server.properties');
  fs.writeFileSync(propsFile, brokerProperties({ port, controllerPort, dataDir: path.join(workDir, 'data') }));

  // A base64url id may start with '-', which StorageTool would parse as an option.
  let clusterId;
  do clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-'));
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const out = fs.openSync(logFile, 'a');
  execFileSync(java, ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile, '--ignore-formatted'], {
    stdio: ['ignore', out, out],
  });
  // One JVM at a time; restart() replaces it with another on the same ports and data.
  let jvm;
  let exited = false;
  const launch = () => {
    const out = fs.openSync(logFile, 'a');
    const child = spawn(
      java,
      ['-Xms256m', '-Xmx768m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true', '-cp', classpath, 'kafka.Kafka', propsFile],
      { stdio: ['ignore', out, out] },
    );
    fs.closeSync(out);
    jvm = child;
    exited = false;
    child.on('exit', () => {
      if (jvm === child) exited = true;
    });
  };
  launch();
  // Whatever ends this process (a crash included) ends the broker and removes its folder: no
  // orphaned JVMs, no leftover data.
  const killOnExit = () => {
    jvm.kill('SIGKILL');
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  process.on('exit', killOnExit);
  const brokers = [`127.0.0.1:${port}`];
  log(`starting Apache Kafka ${version} (KRaft, JVM) on ${brokers[0]}; log: ${logFile}`);
  try {
    await waitForKafka(brokers, { isAlive: () => !exited });
  } catch (err) {
    jvm.kill('SIGKILL');
    throw new Error(`${err.message}\n--- tail of ${logFile} ---\n${tail(logFile)}`);
  }
  const halt = async (signal) => {
    if (exited) return;
    const gone = new Promise((r) => jvm.once('exit', r));
    jvm.kill(signal);
    const timer = setTimeout(() => jvm.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  };
  return {
    brokers,
    version: `Apache Kafka ${version} (KRaft, JVM from Maven Central)`,
    logFile,
    get pids() {
      return [jvm.pid];
    },
    /**
     * Fault tests: stops the broker (abruptly: SIGKILL, no controlled shutdown), keeps it down for
     * `downForMs`, starts it again on the same ports and data, and resolves once it answers.
     */
    async restart({ abrupt = true, downForMs = 0 } = {}) {
      await halt(abrupt ? 'SIGKILL' : 'SIGTERM');
      if (downForMs > 0) await new Promise((r) => setTimeout(r, downForMs));
      log(`restarting Apache Kafka ${version} on ${brokers[0]}`);
      launch();
      await waitForKafka(brokers, { isAlive: () => !exited });
    },
    async stop() {
      await halt('SIGTERM');
      process.off('exit', killOnExit);
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * A broker this process owns and can restart (fault tests): always the JVM broker, never
 * KAFKA_BROKERS or a container, since a broker it did not start it cannot kill.
 */
export function startRestartableKafka(log = console.error) {
  return startJvmBroker(log);
}

async function startContainerBroker(log) {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  // @testcontainers/kafka 11 drives Confluent's image; cp-kafka 8.1 is Apache Kafka 4.1 (the pinned line).
  // This path runs only where a Docker engine answers, so it is not exercised on the build machine.
  const image = 'confluentinc/cp-kafka:8.1.0';
  log(`starting ${image} with Testcontainers`);
  const container = await new KafkaContainer(image).withKraft().start();
  const brokers = [`${container.getHost()}:${container.getMappedPort(9093)}`];
  await waitForKafka(brokers);
  return { brokers, version: `${image} (Testcontainers)`, logFile: undefined, pids: [], stop: () => container.stop() };
}

export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startKafka(log = console.error) {
  if (process.env.KAFKA_BROKERS) {
    const brokers = process.env.KAFKA_BROKERS.split(',').map((b) => b.trim());
    await waitForKafka(brokers, { timeoutMs: 30_000 });
    return { brokers, version: 'given by KAFKA_BROKERS', logFile: undefined, pids: [], stop: async () => {} };
  }
  if (await dockerEngineAnswers()) return startContainerBroker(log);
  return startJvmBroker(log);
}
