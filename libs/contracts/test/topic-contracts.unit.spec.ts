// The topic contracts internal teams read (docs/topics/asyncapi.yaml) are generated from the
// code; this fails when they drift, when the document is not valid AsyncAPI 3, or when a topic
// or event type in the code is missing from it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { Parser } from '@asyncapi/parser';
import { parse, stringify } from 'yaml';
import {
  consumersOf,
  DEAD_LETTER_RETENTION_MS,
  expectedKey,
  JOB_EVENT_TYPES,
  keyOf,
  SUBSCRIPTIONS,
  TOPICS,
  topicContractsDocument,
} from '../src/index.js';

const committedPath = new URL('../../../docs/topics/asyncapi.yaml', import.meta.url);
const committed = readFileSync(committedPath, 'utf8');

describe('topic contracts (docs/topics/asyncapi.yaml)', () => {
  it('is what the code generates (run `pnpm --filter @switchyard/contracts docs:topics` after changing topics or event protos)', () => {
    expect(committed).toBe(stringify(topicContractsDocument(), { lineWidth: 0 }));
  });

  it('is a valid AsyncAPI 3 document', async () => {
    const { document, diagnostics } = await new Parser().parse(committed);
    const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
  });

  it('describes every topic in the registry, its dead-letter topic, and every event type of its envelope', () => {
    const doc = parse(committed) as {
      channels: Record<
        string,
        { address: string; messages: Record<string, unknown>; bindings?: { kafka: { topicConfiguration: Record<string, unknown> } } }
      >;
    };
    for (const topic of Object.values(TOPICS)) {
      expect(doc.channels[topic.name]?.address).toBe(`switchyard.${topic.name}`);
      expect(doc.channels[`${topic.name}-dlt`]?.address).toBe(`switchyard.${topic.name}-dlt`);
      expect(doc.channels[`${topic.name}-dlt`]?.bindings?.kafka.topicConfiguration['retention.ms']).toBe(DEAD_LETTER_RETENTION_MS);
    }
    // Nobody among the services consumes providers: its dead-letter topic exists (provisioned) and stays empty.
    expect(consumersOf('providers')).toEqual([]);
    expect(Object.keys(doc.channels.jobs!.messages)).toEqual(
      expect.arrayContaining(['JobSubmitted', 'JobClassified', 'JobPlaced', 'JobRequeued', 'JobCompleted', 'JobCancelled', 'JobExpired']),
    );
    expect(Object.keys(doc.channels.usage!.messages)).toEqual(expect.arrayContaining(['UsageReported', 'UsageMetered']));
  });

  it('lists as JOB_EVENT_TYPES exactly the messages of the jobs topic, as ce_types', () => {
    const doc = parse(committed) as { channels: Record<string, { messages: Record<string, unknown> }> };
    expect(JOB_EVENT_TYPES).toEqual(Object.keys(doc.channels.jobs!.messages).map((name) => `switchyard.events.v1.${name}`));
  });

  it('lists the consumer groups of SUBSCRIPTIONS, namespaced, as receive operations with their group id', () => {
    const doc = parse(committed) as {
      operations: Record<string, { action: string; bindings?: { kafka: { groupId: { enum: string[] } } } }>;
    };
    for (const subscription of SUBSCRIPTIONS) {
      expect(subscription.groupId).toBe(`switchyard.${subscription.service}`);
      for (const topic of subscription.topics) {
        expect(doc.operations[`${subscription.service}-receives-${topic}`]?.bindings?.kafka.groupId.enum).toEqual([subscription.groupId]);
      }
    }
  });

  it('gives each event type its record key as a template over its payload', () => {
    expect(expectedKey(keyOf('ledger', 'SpendingCapExceeded'), { tenantId: 'acme' })).toBe('tenant:acme');
    expect(expectedKey(keyOf('ledger', 'EpochClosed'), { epochId: 'e-1' })).toBe('e-1');
    expect(expectedKey(keyOf('jobs', 'JobPlaced'), { jobId: 'j-1' })).toBe('j-1');
  });

  it('keys a penalty and its posting alike, and a payout and its posting, so each pair stays in order', () => {
    const penaltyId = 'penalty:job-1:1';
    expect(expectedKey(keyOf('ledger', 'PenaltyAssessed'), { penaltyId, jobId: 'job-1', providerId: 'p-1' })).toBe(penaltyId);
    expect(expectedKey(keyOf('ledger', 'PostingRecorded'), { postingId: `penalty:${penaltyId}`, sourceId: penaltyId })).toBe(penaltyId);
    const payoutId = 'payout:epoch-1:p-1';
    expect(expectedKey(keyOf('ledger', 'PayoutIssued'), { payoutId, providerId: 'p-1' })).toBe(payoutId);
    expect(expectedKey(keyOf('ledger', 'PostingRecorded'), { postingId: `payout:${payoutId}`, sourceId: payoutId })).toBe(payoutId);
  });
});
