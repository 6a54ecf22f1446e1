import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Module } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import {
  credentials,
  loadPackageDefinition,
  status,
  type Client,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Observable } from 'rxjs';
import {
  decodeStatusDetails,
  failedPrecondition,
  invalidArgument,
  notFound,
  PROTO_LOADER_OPTIONS,
  startGrpcService,
  type RunningGrpcService,
} from '../src/index.js';

const protoPath = fileURLToPath(new URL('./fixtures/failing.proto', import.meta.url));

function failure(kind: string): Error {
  if (kind === 'invalid') return invalidArgument([{ field: 'spec.gpu_count', description: 'must be >= 1' }]);
  if (kind === 'precondition') {
    return failedPrecondition('job is terminal', { info: { reason: 'JOB_TERMINAL', metadata: { attempts: 2 } } });
  }
  return notFound('job not found');
}

@Controller()
class FailingController {
  @GrpcMethod('FailingService', 'Fail')
  fail(request: { kind: string }): never {
    throw failure(request.kind);
  }

  @GrpcMethod('FailingService', 'FailStream')
  failStream(request: { kind: string }): Observable<{ kind: string }> {
    return new Observable((subscriber) => {
      subscriber.next({ kind: 'first' });
      subscriber.error(failure(request.kind));
    });
  }
}

@Module({ controllers: [FailingController] })
class FailingModule {}

describe('gRPC errors reach a grpc-js client with their details', () => {
  let service: RunningGrpcService;
  let client: Client & Record<string, (...args: unknown[]) => unknown>;

  beforeAll(async () => {
    service = await startGrpcService({
      name: 'failing',
      module: FailingModule,
      url: '127.0.0.1:0',
      protos: { files: [protoPath], packages: ['fixture.failing.v1'] },
      handleSignals: false,
    });
    const root = loadPackageDefinition(loadSync(protoPath, PROTO_LOADER_OPTIONS));
    const v1 = ((root.fixture as GrpcObject).failing as GrpcObject).v1 as GrpcObject;
    client = new (v1.FailingService as ServiceClientConstructor)(service.address, credentials.createInsecure()) as typeof client;
  });

  afterAll(async () => {
    client.close();
    await service.app.close();
  });

  function callUnary(kind: string): Promise<ServiceError> {
    return new Promise((resolve, reject) =>
      client.Fail!({ kind }, (error: ServiceError | null) => (error ? resolve(error) : reject(new Error('succeeded')))),
    );
  }

  it('INVALID_ARGUMENT carries a BadRequest naming the field', async () => {
    const error = await callUnary('invalid');
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain('spec.gpu_count');
    expect(decodeStatusDetails(error)).toEqual({
      code: status.INVALID_ARGUMENT,
      message: error.details,
      details: [
        {
          type: 'google.rpc.BadRequest',
          value: { field_violations: [expect.objectContaining({ field: 'spec.gpu_count', description: 'must be >= 1' })] },
        },
      ],
    });
  });

  it('FAILED_PRECONDITION carries an ErrorInfo', async () => {
    const error = await callUnary('precondition');
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(decodeStatusDetails(error)?.details).toEqual([
      { type: 'google.rpc.ErrorInfo', value: { reason: 'JOB_TERMINAL', domain: 'switchyard', metadata: { attempts: '2' } } },
    ]);
  });

  it('a server stream ends with the status and details after the items already sent', async () => {
    const stream = client.FailStream!({ kind: 'invalid' }) as NodeJS.EventEmitter;
    const received: unknown[] = [];
    stream.on('data', (item) => received.push(item));
    const error = await new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    expect(received).toEqual([{ kind: 'first' }]);
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(decodeStatusDetails(error)?.details[0]?.type).toBe('google.rpc.BadRequest');
  });

  it('NOT_FOUND without details still decodes to an empty list', async () => {
    const error = await callUnary('missing');
    expect(error.code).toBe(status.NOT_FOUND);
    expect(decodeStatusDetails(error)?.details).toEqual([]);
  });
});
