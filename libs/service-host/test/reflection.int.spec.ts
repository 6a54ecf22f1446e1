// What a reflection client gets from a server is what proto/ declares: real file names, their
// imports, snake_case fields, so a strict descriptor pool takes it and a client built from it
// alone can call the API. The call also shows the server span and duration under the semantic
// conventions. Real gRPC over a socket; the service is a stand-in JobService.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Module } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { credentials, Metadata } from '@grpc/grpc-js';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { api, apiPackageName, apiProtoFiles, protoRoot } from '@switchyard/contracts';
import { grpcClientTracing, inSpan, SpanKind, contextOf, startTracing } from '@switchyard/telemetry';
import { invalidArgument, startGrpcService, type RunningGrpcService } from '../src/index.js';
import { callUnary, reflectServer, strictRegistry } from '../src/testing/index.js';

const spans = new InMemorySpanExporter();
startTracing('reflection-spec', { env: {}, exporters: [spans] });
process.env.METRICS_ADDRESS = '127.0.0.1:0';

@Controller()
class StandInJobController {
  @GrpcMethod('JobService', 'SubmitJob')
  submitJob(request: { idempotencyKey: string; spec?: { gpuCount?: number } }, metadata: Metadata): object {
    if (!request.idempotencyKey) throw invalidArgument([{ field: 'idempotency_key', description: 'required' }]);
    return {
      job: {
        id: `job-for-${request.idempotencyKey}`,
        idempotencyKey: `${String(metadata.get('x-tenant')[0] ?? '')}:${request.idempotencyKey}`,
        spec: request.spec,
      },
      deduplicated: false,
    };
  }
}

@Module({ controllers: [StandInJobController] })
class StandInModule {}

describe('gRPC reflection', () => {
  let service: RunningGrpcService;

  beforeAll(async () => {
    service = await startGrpcService({
      name: 'reflection-spec',
      module: StandInModule,
      url: '127.0.0.1:0',
      protos: { files: [apiProtoFiles.jobService], packages: [apiPackageName], includeDirs: [protoRoot] },
      handleSignals: false,
    });
  });

  afterAll(() => service.app.close());

  it('serves the real files with their imports and snake_case fields, which a strict registry accepts', async () => {
    const { services, files } = await reflectServer(service.address);
    expect(services.sort()).toEqual(['grpc.health.v1.Health', 'switchyard.v1.JobService']);
    expect(files.map((file) => file.name).sort()).toEqual([
      'google/protobuf/timestamp.proto',
      'grpc/health/v1/health.proto',
      'switchyard/v1/job.proto',
      'switchyard/v1/job_service.proto',
      'switchyard/v1/job_spec.proto',
    ]);
    const jobService = files.find((file) => file.name === 'switchyard/v1/job_service.proto')!;
    expect(jobService.dependency).toEqual(['google/protobuf/timestamp.proto', 'switchyard/v1/job.proto', 'switchyard/v1/job_spec.proto']);
    const registry = strictRegistry(files);
    expect(registry.getMessage('switchyard.v1.SubmitJobRequest')?.fields.map((field) => field.name)).toEqual([
      'spec',
      'idempotency_key',
      'accepted_rate_card_version',
    ]);
  }, 30_000);

  it('a strict registry refuses a file that uses a type it does not import (what proto-loader used to serve)', async () => {
    const { files } = await reflectServer(service.address);
    const broken = files.map((file) => (file.name === 'switchyard/v1/job_service.proto' ? { ...file, dependency: [] } : file));
    expect(() => strictRegistry(broken as typeof files)).toThrow('without importing it');
    // A scalar field with an empty type name present, which protobuf's own pool rejects as `"" is not defined`.
    const health = structuredClone(files.find((file) => file.name === 'grpc/health/v1/health.proto')!);
    health.messageType.find((m) => m.name === 'HealthCheckRequest')!.field[0]!.typeName = '';
    expect(() => strictRegistry(files.map((file) => (file.name === health.name ? health : file)))).toThrow('which no served file defines');
  }, 30_000);

  it('takes a SubmitJob from a client built only from reflection, with a semantic-convention span and duration', async () => {
    spans.reset();
    const registry = strictRegistry((await reflectServer(service.address)).files);
    const response = await callUnary(
      registry,
      service.address,
      'switchyard.v1.JobService/SubmitJob',
      { idempotencyKey: 'k-1', spec: { gpuCount: 2 } },
      { 'x-tenant': 'acme' },
    );
    expect(response).toMatchObject({ job: { id: 'job-for-k-1', idempotencyKey: 'acme:k-1', spec: { gpuCount: 2 } } });
    await expect(callUnary(registry, service.address, 'switchyard.v1.JobService/SubmitJob', {})).rejects.toMatchObject({ code: 3 });

    const served = spans.getFinishedSpans().filter((span) => span.name === 'switchyard.v1.JobService/SubmitJob');
    expect(served.map((span) => span.attributes)).toEqual([
      expect.objectContaining({
        'rpc.system.name': 'grpc',
        'rpc.method': 'switchyard.v1.JobService/SubmitJob',
        'rpc.service': 'switchyard.v1.JobService',
        'rpc.status_code': 'OK',
        'rpc.grpc.status_code': 0,
      }),
      expect.objectContaining({ 'rpc.status_code': 'INVALID_ARGUMENT', 'rpc.grpc.status_code': 3 }),
    ]);
    const text = await (await fetch(service.metricsUrl!)).text();
    expect(text).toMatch(
      /^rpc_server_call_duration_count\{(?=.*rpc_method="switchyard\.v1\.JobService\/SubmitJob")(?=.*rpc_status_code="OK").*\} 1$/m,
    );
    expect(text).toMatch(/^rpc_server_call_duration_count\{(?=.*rpc_status_code="INVALID_ARGUMENT").*\} 1$/m);
  }, 30_000);

  it('traces an outgoing call as a CLIENT span whose traceparent the server continues', async () => {
    spans.reset();
    const client = new api.JobServiceClient(service.address, credentials.createInsecure(), { interceptors: [grpcClientTracing] });
    await inSpan(
      'submit from a caller',
      { kind: SpanKind.INTERNAL, parent: contextOf({}) },
      () =>
        new Promise<void>((resolve, reject) =>
          client.submitJob(api.SubmitJobRequest.fromPartial({ idempotencyKey: 'k-2' }), (error) => (error ? reject(error) : resolve())),
        ),
    );
    client.close();
    const finished = spans.getFinishedSpans();
    const clientSpan = finished.find((span) => span.kind === SpanKind.CLIENT && span.name === 'switchyard.v1.JobService/SubmitJob');
    const serverSpan = finished.find((span) => span.kind === SpanKind.SERVER && span.name === 'switchyard.v1.JobService/SubmitJob');
    expect(clientSpan?.attributes).toMatchObject({
      'rpc.system.name': 'grpc',
      'rpc.method': 'switchyard.v1.JobService/SubmitJob',
      'rpc.status_code': 'OK',
    });
    expect(serverSpan?.spanContext().traceId).toBe(clientSpan?.spanContext().traceId);
    expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan?.spanContext().spanId);
  }, 30_000);
});
