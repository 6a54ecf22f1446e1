import { describe, expect, it } from '@jest/globals';
import { decodeEnvelope, encodeData, encodeHeaders, EnvelopeError, type EventEnvelope } from './envelope.js';

const submitted: EventEnvelope = {
  id: '0b9f3c1e-5d2a-4f4e-9a53-0d3f0e8b2a11',
  type: 'switchyard.events.v1.JobSubmitted',
  source: '/switchyard/intake',
  subject: 'job-42',
  time: '2025-03-01T12:00:00.000Z',
  data: { jobId: 'job-42', tenantId: 'acme', maxGpuSeconds: '9007199254740993' },
};

describe('CloudEvents binary-mode headers', () => {
  it('given an envelope with only required attributes, when encoded, then the ce_ headers and content-type are set', () => {
    expect(encodeHeaders(submitted)).toEqual({
      ce_specversion: '1.0',
      ce_id: submitted.id,
      ce_type: 'switchyard.events.v1.JobSubmitted',
      ce_source: '/switchyard/intake',
      ce_subject: 'job-42',
      ce_time: '2025-03-01T12:00:00.000Z',
      'content-type': 'application/json',
    });
  });

  it('given causation, correlation and trace context, when encoded, then they travel as lowercase extension headers', () => {
    const headers = encodeHeaders({
      ...submitted,
      dataschema: 'v2',
      causationId: 'cmd-1',
      correlationId: 'job-42',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'vendor=x',
    });
    expect(headers).toMatchObject({
      ce_dataschema: 'v2',
      ce_causationid: 'cmd-1',
      ce_correlationid: 'job-42',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'vendor=x',
    });
    for (const name of Object.keys(headers)) expect(name).toMatch(/^[a-z0-9_-]+$/);
  });

  it('when encoded and decoded, then the envelope comes back identical, int64 strings included', () => {
    const full: EventEnvelope = { ...submitted, dataschema: 'v1', causationId: 'c', correlationId: 'r', traceparent: 't', tracestate: 's' };
    expect(decodeEnvelope(encodeHeaders(full), encodeData(full))).toEqual(full);
    expect(decodeEnvelope(encodeHeaders(submitted), encodeData(submitted))).toEqual(submitted);
  });

  it('rejects records from other producers: wrong specversion, missing ce_type, non-JSON payload', () => {
    const headers = encodeHeaders(submitted);
    expect(() => decodeEnvelope({ ...headers, ce_specversion: '0.3' }, '{}')).toThrow(EnvelopeError);
    const { ce_type: _dropped, ...withoutType } = headers;
    expect(() => decodeEnvelope(withoutType, '{}')).toThrow('missing header ce_type');
    expect(() => decodeEnvelope(headers, 'not json')).toThrow(EnvelopeError);
    expect(() => decodeEnvelope({ ...headers, 'content-type': 'application/protobuf' }, '{}')).toThrow(EnvelopeError);
  });

  it('refuses to encode an envelope without subject or with an unparseable time', () => {
    expect(() => encodeHeaders({ ...submitted, subject: '' })).toThrow('envelope.subject is required');
    expect(() => encodeHeaders({ ...submitted, time: 'yesterday' })).toThrow(EnvelopeError);
  });

  it('given extension attributes, when encoded and decoded, then each travels as a ce_<name> header and comes back', () => {
    const withExtensions = { ...submitted, extensions: { dlttopic: 'switchyard.jobs', dltattempts: '3' } };
    const headers = encodeHeaders(withExtensions);
    expect(headers).toMatchObject({ ce_dlttopic: 'switchyard.jobs', ce_dltattempts: '3' });
    expect(decodeEnvelope(headers, encodeData(withExtensions))).toEqual(withExtensions);
  });

  it('refuses extension names that are not lowercase alphanumeric or that shadow a core attribute', () => {
    expect(() => encodeHeaders({ ...submitted, extensions: { 'dlt-topic': 'x' } })).toThrow(EnvelopeError);
    expect(() => encodeHeaders({ ...submitted, extensions: { type: 'x' } })).toThrow(EnvelopeError);
  });
});
