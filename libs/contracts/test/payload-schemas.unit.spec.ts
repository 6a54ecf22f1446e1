import { describe, expect, it } from '@jest/globals';
import { dataschemaForEventType, DEAD_LETTER_MESSAGE, JOB_EVENT_TYPES, messageOfDataschema } from '../src/index.js';

describe('ce_dataschema', () => {
  it('names the envelope message a topic event travels in, as a URI', () => {
    expect(dataschemaForEventType('switchyard.events.v1.JobPlaced')).toBe('urn:switchyard:proto:switchyard.events.v1.JobEvent');
    expect(dataschemaForEventType('switchyard.events.v1.UsageMetered')).toBe('urn:switchyard:proto:switchyard.events.v1.UsageEvent');
    expect(dataschemaForEventType('switchyard.events.v1.ProviderLost')).toBe('urn:switchyard:proto:switchyard.events.v1.ProviderEvent');
    expect(dataschemaForEventType('switchyard.events.v1.EpochClosed')).toBe('urn:switchyard:proto:switchyard.events.v1.LedgerEvent');
    for (const type of JOB_EVENT_TYPES) expect(messageOfDataschema(dataschemaForEventType(type))).toBe('switchyard.events.v1.JobEvent');
  });

  it('names the dead-letter message itself, and nothing for a type that is not Switchyard’s', () => {
    expect(messageOfDataschema(dataschemaForEventType(DEAD_LETTER_MESSAGE))).toBe(DEAD_LETTER_MESSAGE);
    expect(dataschemaForEventType('com.example.Other')).toBeUndefined();
    expect(messageOfDataschema('v2')).toBeUndefined();
  });
});
