import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import { apiProtoFiles, eventProtoFiles, protoLoaderOptions, protoRoot } from '@switchyard/contracts';

// The public surface: services and their exact RPC names.
const expectedServices: Record<string, string[]> = {
  'switchyard.v1.JobService': ['SubmitJob', 'GetJob', 'ListJobs', 'WatchJob', 'CancelJob', 'QuoteJob'],
  'switchyard.v1.ProviderService': [
    'RegisterProvider',
    'Heartbeat',
    'StreamAssignments',
    'ReportStarted',
    'ReportCompleted',
    'ReportFailed',
  ],
  'switchyard.v1.UsageService': ['GetUsage'],
  'switchyard.v1.PayoutService': ['GetBalance', 'ListStatements', 'CloseEpoch'],
};

type MethodDefinition = { originalName?: string; requestStream: boolean; responseStream: boolean };

function servicesIn(definition: ReturnType<typeof loadSync>): Record<string, Record<string, MethodDefinition>> {
  return Object.fromEntries(Object.entries(definition).filter(([, value]) => !('format' in value))) as unknown as Record<
    string,
    Record<string, MethodDefinition>
  >;
}

describe('proto files', () => {
  it('sit under the exported proto root', () => {
    for (const file of [...Object.values(apiProtoFiles), ...Object.values(eventProtoFiles)]) {
      expect(file.startsWith(protoRoot)).toBe(true);
      expect(existsSync(file)).toBe(true);
    }
    expect(existsSync(join(protoRoot, 'switchyard', 'v1', 'job_spec.proto'))).toBe(true);
  });

  it('load with @grpc/proto-loader and expose exactly the public services and RPCs', () => {
    const definition = loadSync(Object.values(apiProtoFiles), protoLoaderOptions);
    const services = servicesIn(definition);

    expect(Object.keys(services).sort()).toEqual(Object.keys(expectedServices).sort());
    for (const [service, rpcs] of Object.entries(expectedServices)) {
      expect(Object.keys(services[service]!).sort()).toEqual([...rpcs].sort());
    }
  });

  it('stream only WatchJob and StreamAssignments, server side', () => {
    const services = servicesIn(loadSync(Object.values(apiProtoFiles), protoLoaderOptions));
    const streaming = Object.entries(services).flatMap(([service, methods]) =>
      Object.entries(methods)
        .filter(([, method]) => method.requestStream || method.responseStream)
        .map(([name, method]) => `${service}.${name}:${method.requestStream ? 'client' : 'server'}`),
    );

    expect(streaming.sort()).toEqual([
      'switchyard.v1.JobService.WatchJob:server',
      'switchyard.v1.ProviderService.StreamAssignments:server',
    ]);
  });

  it('load the event payloads with the same options', () => {
    const definition = loadSync(Object.values(eventProtoFiles), protoLoaderOptions);

    for (const envelope of ['JobEvent', 'ProviderEvent', 'UsageEvent', 'LedgerEvent']) {
      expect(definition[`switchyard.events.v1.${envelope}`]).toBeDefined();
    }
  });
});
