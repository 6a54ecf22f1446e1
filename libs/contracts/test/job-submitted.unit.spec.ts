import { describe, expect, it } from '@jest/globals';
import { loadSync } from '@grpc/proto-loader';
import { api, events, apiProtoFiles, protoLoaderOptions } from '@switchyard/contracts';

// Above 2^53: a float anywhere on the way would change the last digits.
const hugePrice = '9007199254740993123';

const submitted: events.JobSubmitted = {
  jobId: 'job-1',
  tenantId: 'tenant-a',
  tenantPlan: 'enterprise',
  spec: {
    kind: api.WorkloadKind.WORKLOAD_KIND_INFERENCE,
    modelRef: 'meta-llama/Llama-3.1-8B-Instruct',
    gpuClass: 'h100-80g',
    gpuCount: 2,
    minVramGib: 80,
    maxLatencyMs: 250,
    deadline: { seconds: '1767225600', nanos: 0 },
    allowedRegions: ['eu-west', 'eu-central'],
    dataResidency: 'EU',
    maxPriceBaseUnits: hugePrice,
    estimatedDurationSeconds: 30,
    labels: { team: 'search' },
    dependsOn: [],
    gangDomain: api.GangDomain.GANG_DOMAIN_OPERATOR_REGION,
    inputs: [
      // Sizes above 2^53 too: uint64 travels as a decimal string.
      {
        digest: `sha256:${'ab'.repeat(32)}`,
        kind: api.DataKind.DATA_KIND_DATASET,
        sizeBytes: '9007199254740993000',
        locality: api.Locality.LOCALITY_REQUIRED,
      },
    ],
  },
  idempotencyKey: 'submit-1',
  quote: {
    rateCardVersion: 'rc-2025-01',
    prices: [
      {
        tier: api.Tier.TIER_REALTIME,
        worstCasePriceBaseUnits: hugePrice,
        gpuHourRateBaseUnits: '4200000',
        worstCaseTransferBaseUnits: '1500000',
      },
    ],
    quotedAt: { seconds: '1767225000', nanos: 250_000_000 },
  },
  submittedAt: { seconds: '1767225001', nanos: 0 },
};

describe('JobSubmitted payload', () => {
  it('survives protobuf JSON with int64 money as an exact decimal string', () => {
    const json = events.JobSubmitted.toJSON(submitted) as Record<string, unknown>;
    const text = JSON.stringify(json);

    expect(text).toContain(`"maxPriceBaseUnits":"${hugePrice}"`);
    expect(text).toContain('"kind":"WORKLOAD_KIND_INFERENCE"');
    expect(events.JobSubmitted.fromJSON(JSON.parse(text))).toEqual(submitted);
  });

  it('writes Timestamps as RFC 3339 strings, to the millisecond (binary keeps nanoseconds)', () => {
    const json = events.JobSubmitted.toJSON({ ...submitted, submittedAt: { seconds: '1767225601', nanos: 123_456_789 } });

    expect((json as { submittedAt: string }).submittedAt).toBe('2026-01-01T00:00:01.123Z');
  });

  it('survives binary encode/decode with int64 money intact', () => {
    const bytes = events.JobSubmitted.encode(submitted).finish();
    const decoded = events.JobSubmitted.decode(bytes);

    expect(decoded).toEqual(submitted);
    expect(decoded.spec?.maxPriceBaseUnits).toBe(hugePrice);
  });

  it('travels inside the jobs topic envelope', () => {
    const envelope: events.JobEvent = { jobSubmitted: submitted };
    const decoded = events.JobEvent.decode(events.JobEvent.encode(envelope).finish());

    expect(decoded.jobSubmitted).toEqual(submitted);
    expect(decoded.jobPlaced).toBeUndefined();
  });

  it('decodes through @grpc/proto-loader with the exported options into the generated shape', () => {
    const definition = loadSync(apiProtoFiles.jobService, protoLoaderOptions);
    const submitJob = definition['switchyard.v1.JobService'] as unknown as Record<
      string,
      { requestDeserialize: (bytes: Buffer) => Record<string, unknown> }
    >;
    const request: api.SubmitJobRequest = {
      spec: submitted.spec,
      idempotencyKey: 'submit-1',
      acceptedRateCardVersion: 'rc-2025-01',
    };
    const bytes = Buffer.from(api.SubmitJobRequest.encode(request).finish());

    const loaded = submitJob['SubmitJob']!.requestDeserialize(bytes);

    // proto-loader adds the name of the set oneof member (oneofs: true); otherwise the shapes agree.
    const { workload, ...spec } = loaded['spec'] as Record<string, unknown>;
    expect(workload).toBe('modelRef');
    expect({ ...loaded, spec: { ...spec, imageRef: undefined } }).toEqual({
      ...request,
      spec: { ...request.spec, imageRef: undefined },
    });
  });
});
