// A Kafka cluster of a test's own, started from the Maven Central jars (see infra/kafka.mjs):
// `brokers` KRaft nodes (1 is fine), replication factor 3 and min ISR 2 from three nodes on;
// nodes can be killed and started again. Never the broker other test files share.
import { startKafka, type RunningKafka } from '../infra/kafka.mjs';

export interface KafkaCluster extends RunningKafka {
  killBroker(index: number): Promise<void>;
  startBroker(index: number): Promise<void>;
}

export async function startKafkaCluster(brokers: number, log: (message: string) => void = () => undefined): Promise<KafkaCluster> {
  // One broker of its own: a test that stops "the" broker under a running service.
  const cluster = await startKafka(log, { brokers, own: true });
  if (!cluster.killBroker || !cluster.startBroker) throw new Error('a Kafka cluster needs brokers started from the jars');
  return cluster as KafkaCluster;
}
