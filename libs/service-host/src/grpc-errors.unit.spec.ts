import { describe, expect, it } from '@jest/globals';
import { Metadata, status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import {
  grpcError,
  alreadyExists,
  decodeStatusDetails,
  failedPrecondition,
  invalidArgument,
  notFound,
  permissionDenied,
  resourceExhausted,
  unauthenticated,
  unavailable,
} from './grpc-errors.js';

/** What grpc-js would put on the wire: the error object NestJS hands over. */
function sent(exception: RpcException): { code: number; message: string; metadata: Metadata } {
  return exception.getError() as { code: number; message: string; metadata: Metadata };
}

describe('gRPC errors with google.rpc details', () => {
  it('invalidArgument packs a BadRequest naming each field', () => {
    const error = sent(
      invalidArgument([
        { field: 'spec.gpu_count', description: 'must be >= 1' },
        { field: 'idempotency_key', description: 'is required' },
      ]),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.message).toContain('spec.gpu_count: must be >= 1');
    expect(decodeStatusDetails(error)).toEqual({
      code: status.INVALID_ARGUMENT,
      message: error.message,
      details: [
        {
          type: 'google.rpc.BadRequest',
          value: {
            field_violations: [
              expect.objectContaining({ field: 'spec.gpu_count', description: 'must be >= 1' }),
              expect.objectContaining({ field: 'idempotency_key', description: 'is required' }),
            ],
          },
        },
      ],
    });
  });

  it('failedPrecondition carries PreconditionFailure and an ErrorInfo with numbers as strings', () => {
    const error = sent(
      failedPrecondition('job is COMPLETED', {
        violations: [{ type: 'JOB_STATE', subject: 'job-1', description: 'job is COMPLETED' }],
        info: { reason: 'JOB_TERMINAL', metadata: { attempts: 3, cap: 10n } },
      }),
    );
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(decodeStatusDetails(error)?.details).toEqual([
      {
        type: 'google.rpc.PreconditionFailure',
        value: { violations: [{ type: 'JOB_STATE', subject: 'job-1', description: 'job is COMPLETED' }] },
      },
      { type: 'google.rpc.ErrorInfo', value: { reason: 'JOB_TERMINAL', domain: 'switchyard', metadata: { attempts: '3', cap: '10' } } },
    ]);
  });

  it('notFound and alreadyExists name the resource', () => {
    const missing = sent(notFound('job not found', { resourceType: 'switchyard.v1.Job', resourceName: 'job-1' }));
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(decodeStatusDetails(missing)?.details[0]).toEqual({
      type: 'google.rpc.ResourceInfo',
      value: expect.objectContaining({ resource_type: 'switchyard.v1.Job', resource_name: 'job-1' }),
    });
    const taken = sent(alreadyExists('key reused', undefined, { reason: 'IDEMPOTENCY_KEY_REUSED' }));
    expect(taken.code).toBe(status.ALREADY_EXISTS);
    expect(decodeStatusDetails(taken)?.details.map((d) => d.type)).toEqual(['google.rpc.ErrorInfo']);
  });

  it('maps the remaining codes', () => {
    expect(sent(unauthenticated('no key')).code).toBe(status.UNAUTHENTICATED);
    expect(sent(permissionDenied('no')).code).toBe(status.PERMISSION_DENIED);
    expect(sent(grpcError(status.UNIMPLEMENTED, 'later')).code).toBe(status.UNIMPLEMENTED);
    expect(decodeStatusDetails(sent(grpcError(status.UNIMPLEMENTED, 'later')))?.details).toEqual([]);
  });

  it('resourceExhausted and unavailable tell the client when to retry (RetryInfo), with the quota and reason', () => {
    const busy = sent(
      resourceExhausted('intake is saturated', {
        retryAfterMs: 1_250,
        quota: [{ subject: 'tenant:acme', description: 'submissions in flight' }],
        info: { reason: 'OVERLOADED' },
      }),
    );
    expect(busy.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(decodeStatusDetails(busy)?.details).toEqual([
      { type: 'google.rpc.RetryInfo', value: { retry_delay: { seconds: '1', nanos: 250_000_000 } } },
      {
        type: 'google.rpc.QuotaFailure',
        value: { violations: [expect.objectContaining({ subject: 'tenant:acme', description: 'submissions in flight' })] },
      },
      { type: 'google.rpc.ErrorInfo', value: { reason: 'OVERLOADED', domain: 'switchyard', metadata: {} } },
    ]);
    const down = sent(unavailable('no scheduler leader yet', { retryAfterMs: 500 }));
    expect(down.code).toBe(status.UNAVAILABLE);
    expect(decodeStatusDetails(down)?.details).toEqual([
      { type: 'google.rpc.RetryInfo', value: { retry_delay: { seconds: '0', nanos: 500_000_000 } } },
    ]);
  });

  it('returns undefined when no details trailer was sent', () => {
    expect(decodeStatusDetails({ metadata: new Metadata() })).toBeUndefined();
  });
});
