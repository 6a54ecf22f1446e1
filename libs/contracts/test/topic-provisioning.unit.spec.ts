import { describe, expect, it } from '@jest/globals';
import { TOPICS, topicProvisioning } from '@switchyard/contracts';

describe('topic provisioning', () => {
  it("gives each named topic the registry's partitions and retention under the prefix", () => {
    expect(topicProvisioning('switchyard.', ['jobs', 'ledger'])).toEqual([
      { topic: 'switchyard.jobs', partitions: TOPICS.jobs.partitions, retentionMs: -1 },
      { topic: 'switchyard.ledger', partitions: TOPICS.ledger.partitions, retentionMs: -1 },
    ]);
  });
});
