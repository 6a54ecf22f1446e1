// A gRPC client that knows nothing but what a server says about itself through reflection, as
// grpcurl or Postman would: the served file descriptors go into a strict descriptor registry
// (every type a file uses must be its own or come from a file it imports), and calls are encoded
// and decoded from those descriptors alone.
import { createRequire } from 'node:module';
import {
  create,
  createFileRegistry,
  fromBinary,
  fromJson,
  isFieldSet,
  toBinary,
  toJson,
  type DescMessage,
  type FileRegistry,
  type JsonValue,
} from '@bufbuild/protobuf';
import {
  FieldDescriptorProtoSchema,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import { Client, credentials, loadPackageDefinition, Metadata, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const reflectionProtoPath = createRequire(import.meta.url).resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

/** Every service the server lists, and the files describing them (each with its imports), as served. */
export async function reflectServer(address: string, timeoutMs = 5000): Promise<{ services: string[]; files: FileDescriptorProto[] }> {
  const root = loadPackageDefinition(
    loadSync(reflectionProtoPath, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true }),
  );
  const Reflection = ['grpc', 'reflection', 'v1', 'ServerReflection'].reduce<unknown>(
    (node, key) => (node as GrpcObject)[key],
    root,
  ) as ServiceClientConstructor;
  const client = new Reflection(address, credentials.createInsecure());
  try {
    const ask = (request: object): Promise<ReflectionResponse> =>
      new Promise((resolve, reject) => {
        const call = (
          client as unknown as { serverReflectionInfo(options: object): NodeJS.EventEmitter & { write(r: object): void; end(): void } }
        ).serverReflectionInfo({
          deadline: Date.now() + timeoutMs,
        });
        call.once('data', (response: ReflectionResponse) => {
          call.end();
          resolve(response);
        });
        call.once('error', reject);
        call.write(request);
      });
    const services = ((await ask({ listServices: '*' })).listServicesResponse?.service ?? []).map((entry) => entry.name);
    const files = new Map<string, FileDescriptorProto>();
    for (const service of services) {
      const response = await ask({ fileContainingSymbol: service });
      if (response.errorResponse) throw new Error(`reflection: ${service}: ${response.errorResponse.errorMessage}`);
      for (const bytes of response.fileDescriptorResponse?.fileDescriptorProto ?? []) {
        const file = fromBinary(FileDescriptorProtoSchema, bytes);
        files.set(file.name, file);
      }
    }
    return { services, files: [...files.values()] };
  } finally {
    client.close();
  }
}

/**
 * A registry of the served files, refusing what a standard descriptor pool refuses: an import
 * that was not served, or a type used by a file that neither defines it nor imports its file.
 */
export function strictRegistry(files: readonly FileDescriptorProto[]): FileRegistry {
  const byName = new Map(files.map((file) => [file.name, file]));
  const definedIn = new Map<string, string>();
  for (const file of files) for (const name of declaredTypes(file)) definedIn.set(name, file.name);
  for (const file of files) {
    for (const dependency of file.dependency)
      if (!byName.has(dependency)) throw new Error(`${file.name} imports ${dependency}, which was not served`);
    for (const used of usedTypes(file)) {
      const home = definedIn.get(used);
      if (home === undefined) throw new Error(`${file.name} uses ${used}, which no served file defines`);
      if (home !== file.name && !file.dependency.includes(home))
        throw new Error(`${file.name} uses ${used} from ${home} without importing it`);
    }
  }
  // The registry takes a file after the files it imports.
  const ordered: FileDescriptorProto[] = [];
  const visit = (file: FileDescriptorProto): void => {
    if (ordered.includes(file)) return;
    for (const dependency of file.dependency) visit(byName.get(dependency)!);
    ordered.push(file);
  };
  files.forEach(visit);
  return createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
}

function declaredTypes(file: FileDescriptorProto): string[] {
  const names: string[] = [];
  const prefix = file.package ? `.${file.package}` : '';
  const visit = (scope: string, messages: FileDescriptorProto['messageType'], enums: FileDescriptorProto['enumType']): void => {
    for (const e of enums) names.push(`${scope}.${e.name}`);
    for (const message of messages) {
      names.push(`${scope}.${message.name}`);
      visit(`${scope}.${message.name}`, message.nestedType, message.enumType);
    }
  };
  visit(prefix, file.messageType, file.enumType);
  return names;
}

function usedTypes(file: FileDescriptorProto): string[] {
  const used: string[] = [];
  const visit = (messages: FileDescriptorProto['messageType']): void => {
    for (const message of messages) {
      for (const field of message.field) {
        // Present but empty is what protoc's pool rejects as `"" is not defined`.
        if (field.typeName !== '' || isFieldSet(field, FieldDescriptorProtoSchema.field.typeName)) used.push(field.typeName);
      }
      visit(message.nestedType);
    }
  };
  visit(file.messageType);
  for (const service of file.service) for (const method of service.method) used.push(method.inputType, method.outputType);
  return used;
}

/** A unary call of `service`/`method`, request and response in protobuf JSON, typed by the registry only. */
export async function callUnary(
  registry: FileRegistry,
  address: string,
  method: `${string}/${string}`,
  request: JsonValue,
  metadata: Record<string, string> = {},
): Promise<JsonValue> {
  const [serviceName, methodName] = method.split('/') as [string, string];
  const service = registry.getService(serviceName);
  const rpc = service?.methods.find((candidate) => candidate.name === methodName);
  if (!rpc) throw new Error(`${method} is not described by the server`);
  const input: DescMessage = rpc.input;
  const output: DescMessage = rpc.output;
  const client = new Client(address, credentials.createInsecure());
  const grpcMetadata = new Metadata();
  for (const [key, value] of Object.entries(metadata)) grpcMetadata.set(key, value);
  try {
    return await new Promise<JsonValue>((resolve, reject) =>
      client.makeUnaryRequest(
        `/${serviceName}/${methodName}`,
        (value: JsonValue) => Buffer.from(toBinary(input, fromJson(input, value, { registry }))),
        (bytes: Buffer) => toJson(output, fromBinary(output, bytes), { registry }),
        request,
        grpcMetadata,
        { deadline: Date.now() + 10_000 },
        (error, value) => (error ? reject(error) : resolve(value!)),
      ),
    );
  } finally {
    client.close();
  }
}
