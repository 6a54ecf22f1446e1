import { jest } from '@jest/globals';
import { kafkaBrokers } from '@switchyard/testing';
import { PlatformaticEventLog } from '../src/index.js';
import { eventLogContract } from './contract/event-log.contract.js';

jest.setTimeout(60_000);

eventLogContract('Kafka (@platformatic/kafka, real broker)', async () => ({
  open: async (options) =>
    new PlatformaticEventLog({
      brokers: kafkaBrokers(),
      clientId: 'event-log-contract-platformatic',
      ...(options?.upcasters ? { upcasters: options.upcasters } : {}),
    }),
}));
