// Servers describe themselves (gRPC reflection) from the descriptor set embedded in
// src/descriptor-set.ts; this fails when it no longer is what buf compiles from proto/.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { create, createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { protoFileDescriptors } from '../src/index.js';
// @ts-expect-error -- a plain .mjs script without type declarations
import { buildDescriptorSet, descriptorSetModule } from '../scripts/write-descriptor-set.mjs';

describe('embedded descriptor set (src/descriptor-set.ts)', () => {
  it('is what buf builds from proto/ today (run `pnpm proto:gen` after changing a .proto)', () => {
    const committed = readFileSync(new URL('../src/descriptor-set.ts', import.meta.url), 'utf8');
    expect(committed).toBe((descriptorSetModule as (bytes: Buffer) => string)((buildDescriptorSet as () => Buffer)()));
  });

  it('holds every file under its real name, with the imports it declares, resolvable in a strict registry', () => {
    const names = protoFileDescriptors().map((file) => file.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'google/protobuf/timestamp.proto',
        'switchyard/v1/job_service.proto',
        'switchyard/events/v1/job_events.proto',
      ]),
    );
    const files = protoFileDescriptors().map((file) => fromBinary(FileDescriptorProtoSchema, file.bytes));
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: files }));
    const submit = registry.getMessage('switchyard.v1.SubmitJobRequest');
    expect(submit?.fields.map((field) => [field.name, field.jsonName])).toContainEqual(['idempotency_key', 'idempotencyKey']);
    expect(registry.getFile('switchyard/v1/job_service.proto')?.dependencies.map((file) => `${file.name}.proto`)).toEqual([
      'google/protobuf/timestamp.proto',
      'switchyard/v1/job.proto',
      'switchyard/v1/job_spec.proto',
    ]);
  });
});
