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
  execFileSync('mvn', ['-B', '-q', '-f', pomFile, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return dir;
}

function brokerProperties({ nodeId = 1, port, controllerPort, dataDir, voters, replicas = 1 }) {
  // One node: replication factor 1. A cluster: every topic on 3 replicas (or all nodes, when
  // fewer), a write acknowledged by acks=all on at least 2, so one node may die without loss.
  const replication = Math.min(3, replicas);
  const minIsr = replicas >= 3 ? 2 : 1;
  return [
    'process.roles=broker,controller',
    `node.id=${nodeId}`,
    `controller.quorum.voters=${voters ?? `1@127.0.0.1:${controllerPort}`}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'auto.create.topics.enable=false',
    `default.replication.factor=${replication}`,
    `min.insync.replicas=${minIsr}`,
    // Never elect a replica that is not in sync: an acknowledged write is never lost.
    'unclean.leader.election.enable=false',
    `offsets.topic.replication.factor=${replication}`,
    'offsets.topic.num.partitions=4',
    `transaction.state.log.replication.factor=${replication}`,
    `transaction.state.log.min.isr=${minIsr}`,
    'transaction.state.log.num.partitions=4',
    `share.coordinator.state.topic.replication.factor=${replication}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
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
      if (cluster.brokers.length > 0 && cluster.controller !== null) {
        // Ready also means the group coordinator answers: on a fresh or restarted broker it is
        // "loading" for a while (offsets topic created or read back), and group calls fail until then.
        await admin.fetchOffsets({ groupId: 'switchyard-infra-readiness', topics: [] });
        return cluster;
      }
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

const JVM_ARGS = ['-Xms256m', '-Xmx768m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];

/**
 * `count` KRaft nodes (each broker and controller) from the Maven Central jars, one JVM each.
 * With 3 or more: replication factor 3, min ISR 2 (see brokerProperties). The result can kill a
 * node (`killBroker(i)`: SIGKILL, as a crash) and start it again (`startBroker(i)`, same data).
 */
async function startJvmBroker(log, count = 1) {
  const version = pinnedKafkaVersion();
  const jars = resolveJars(version, log);
  const classpath = `${jars}/*`;
  removeStaleBrokerDirs();
  // The owner's pid in the name lets a later run remove it if this process is killed outright.
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `switchyard-kafka-${process.pid}-`));
  const logDir = path.join(infraDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const stamp = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
  const nodes = [];
  for (let i = 0; i < count; i++) nodes.push({ nodeId: i + 1, port: await freePort(), controllerPort: await freePort() });
  const voters = nodes.map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`).join(',');

  // A base64url id may start with '-', which StorageTool would parse as an option.
  let clusterId;
  do clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-'));
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  for (const node of nodes) {
    node.logFile = path.join(logDir, count === 1 ? `kafka-${stamp}.log` : `kafka-${stamp}-node${node.nodeId}.log`);
    node.propsFile = path.join(workDir, `server-${node.nodeId}.properties`);
    fs.writeFileSync(
      node.propsFile,
      brokerProperties({ ...node, dataDir: path.join(workDir, `data-${node.nodeId}`), voters, replicas: count }),
    );
    const out = fs.openSync(node.logFile, 'a');
    execFileSync(
      java,
      ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', node.propsFile, '--ignore-formatted'],
      {
        stdio: ['ignore', out, out],
      },
    );
    fs.closeSync(out);
  }

  const launch = (node) => {
    const out = fs.openSync(node.logFile, 'a');
    const jvm = spawn(java, [...JVM_ARGS, '-cp', classpath, 'kafka.Kafka', node.propsFile], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    node.jvm = jvm;
    node.exited = false;
    jvm.on('exit', () => (node.exited = true));
  };
  for (const node of nodes) launch(node);
  // Whatever ends this process (a crash included) ends the brokers and removes their folder: no
  // orphaned JVMs, no leftover data.
  const killOnExit = () => {
    for (const node of nodes) node.jvm?.kill('SIGKILL');
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  process.on('exit', killOnExit);
  const brokers = nodes.map((n) => `127.0.0.1:${n.port}`);
  const logFile = nodes[0].logFile;
  log(`starting Apache Kafka ${version} (KRaft, JVM, ${count} node${count === 1 ? '' : 's'}) on ${brokers.join(',')}; log: ${logFile}`);
  const allAlive = () => nodes.every((n) => !n.exited);
  try {
    const cluster = await waitForKafka(brokers, { isAlive: allAlive, timeoutMs: 90_000 + 30_000 * (count - 1) });
    // A cluster is ready when every node has joined, not just the first that answers.
    if (count > 1) await waitForBrokers(brokers, count, allAlive, cluster);
  } catch (err) {
    for (const node of nodes) node.jvm.kill('SIGKILL');
    throw new Error(`${err.message}\n--- tail of ${logFile} ---\n${tail(logFile)}`);
  }
  const stopNode = async (node, signal) => {
    if (node.exited) return;
    const gone = new Promise((r) => node.jvm.once('exit', r));
    node.jvm.kill(signal);
    const timer = setTimeout(() => node.jvm.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  };
  return {
    brokers,
    version: `Apache Kafka ${version} (KRaft, JVM from Maven Central${count > 1 ? `, ${count} nodes, replication factor 3, min ISR 2` : ''})`,
    logFile,
    get pids() {
      return nodes.map((n) => n.jvm.pid);
    },
    /** SIGKILLs node `index` (0-based): a crash, no clean shutdown. */
    killBroker: (index) => stopNode(nodes[index], 'SIGKILL'),
    /** Starts node `index` again on its data; resolves once the cluster lists it again. */
    async startBroker(index) {
      const node = nodes[index];
      if (!node.exited) return;
      launch(node);
      await waitForBrokers(brokers, count, () => !node.exited);
    },
    /**
     * Fault tests: stops every node (abruptly: SIGKILL, no controlled shutdown), keeps them down
     * for `downForMs`, starts them again on the same ports and data, and resolves once they answer.
     */
    async restart({ abrupt = true, downForMs = 0 } = {}) {
      await Promise.all(nodes.map((node) => stopNode(node, abrupt ? 'SIGKILL' : 'SIGTERM')));
      if (downForMs > 0) await new Promise((r) => setTimeout(r, downForMs));
      log(`restarting Apache Kafka ${version} on ${brokers.join(',')}`);
      for (const node of nodes) launch(node);
      await waitForBrokers(brokers, count, allAlive);
    },
    async stop() {
      await Promise.all(nodes.map((node) => stopNode(node, 'SIGTERM')));
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
  return startJvmBroker(log, 1);
}

/** Polls until the cluster's metadata lists `count` brokers. */
async function waitForBrokers(brokers, count, isAlive, first) {
  if (first?.brokers.length >= count) return;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const cluster = await waitForKafka(brokers, { isAlive, timeoutMs: Math.max(1_000, deadline - Date.now()) });
    if (cluster.brokers.length >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${cluster.brokers.length} of ${count} Kafka brokers joined the cluster`);
    await new Promise((r) => setTimeout(r, 500));
  }
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

/**
 * `brokers`: how many KRaft nodes to start from the jars (default 1; 3 gives a cluster with
 * replication factor 3 and min ISR 2). One broker: a given KAFKA_BROKERS or a container is used
 * as it is; a cluster is always started from the jars.
 */
export async function startKafka(log = console.error, { brokers: count = 1, own = false } = {}) {
  // A cluster, or a broker a test wants to kill (`own`), is always this run's own, whatever
  // KAFKA_BROKERS says.
  if (count > 1 || own) return startJvmBroker(log, count);
  if (process.env.KAFKA_BROKERS) {
    const brokers = process.env.KAFKA_BROKERS.split(',').map((b) => b.trim());
    await waitForKafka(brokers, { timeoutMs: 30_000 });
    return { brokers, version: 'given by KAFKA_BROKERS', logFile: undefined, pids: [], stop: async () => {} };
  }
  if (await dockerEngineAnswers()) return startContainerBroker(log);
  return startJvmBroker(log, 1);
}
