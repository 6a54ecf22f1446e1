import { jest } from '@jest/globals';
import { kafkaBrokers } from '@switchyard/testing';
import { logLevel } from 'kafkajs';
import { KafkaEventLog } from '../src/index.js';
import { eventLogContract } from './contract/event-log.contract.js';

jest.setTimeout(60_000);

eventLogContract('Kafka (KafkaJS, real broker)', async () => ({
  open: async (options) =>
    new KafkaEventLog({
      brokers: kafkaBrokers(),
      clientId: 'event-log-contract',
      logLevel: logLevel.NOTHING,
      ...(options?.upcasters ? { upcasters: options.upcasters } : {}),
    }),
}));
