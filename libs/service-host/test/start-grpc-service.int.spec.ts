import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Module } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { credentials, loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { checkHealth, listReflectedServices, PROTO_LOADER_OPTIONS, startGrpcService, type RunningGrpcService } from '../src/index.js';

const protoPath = fileURLToPath(new URL('./fixtures/dispatch.proto', import.meta.url));

@Controller()
class DispatchController {
  @GrpcMethod('DispatchService', 'Ping')
  ping(request: { jobId: string }): { jobId: string; sequence: string } {
    return { jobId: request.jobId, sequence: '9007199254740993' };
  }
}

@Module({ controllers: [DispatchController] })
class DispatchModule {}

describe('startGrpcService', () => {
  let service: RunningGrpcService;

  beforeAll(async () => {
    service = await startGrpcService({
      name: 'dispatch',
      module: DispatchModule,
      url: '127.0.0.1:0',
      protos: { files: [protoPath], packages: ['fixture.dispatch.v1'] },
      handleSignals: false,
    });
  });

  afterAll(async () => {
    await service.app.close();
  });

  it('binds a free port when asked for port 0', () => {
    expect(service.address).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
  });

  it('reports the server and each served service as SERVING', async () => {
    expect(await checkHealth(service.address)).toBe('SERVING');
    expect(await checkHealth(service.address, 'fixture.dispatch.v1.DispatchService')).toBe('SERVING');
  });

  it('lists the served package and health through reflection', async () => {
    expect(await listReflectedServices(service.address)).toEqual(
      expect.arrayContaining(['fixture.dispatch.v1.DispatchService', 'grpc.health.v1.Health']),
    );
  });

  it("routes the service's RPCs to its controller, int64 as strings", async () => {
    const root = loadPackageDefinition(loadSync(protoPath, PROTO_LOADER_OPTIONS));
    const v1 = ((root.fixture as GrpcObject).dispatch as GrpcObject).v1 as GrpcObject;
    const client = new (v1.DispatchService as ServiceClientConstructor)(service.address, credentials.createInsecure());
    const ping = client.Ping!.bind(client) as (request: object, callback: (error: Error | null, value: unknown) => void) => void;
    const response = await new Promise((resolve, reject) =>
      ping({ jobId: 'job-1' }, (error, value) => (error ? reject(error) : resolve(value))),
    );
    client.close();
    expect(response).toEqual({ jobId: 'job-1', sequence: '9007199254740993' });
  });

  it('stops answering once closed', async () => {
    const { app, address } = await startGrpcService({ name: 'closing', module: DispatchModule, url: '127.0.0.1:0', handleSignals: false });
    await app.close();
    await expect(checkHealth(address, '', 500)).rejects.toThrow();
  });
});
