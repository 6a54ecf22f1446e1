// gRPC server reflection from the compiled .proto files (see @switchyard/contracts'
// protoFileDescriptors): what a reflection client (grpcurl, grpcui, Postman) receives is what
// proto/ declares, under the real file names with their imports and snake_case field names, so
// a standard descriptor pool accepts it. The served API is still loaded by proto-loader for
// NestJS; only the description comes from here.
import type { Server } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type DescriptorProto, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { protoFileDescriptors } from '@switchyard/contracts';
import { protoPath as healthProtoPath } from 'grpc-health-check';

export const HEALTH_SERVICE = 'grpc.health.v1.Health';
/** The name grpc.health.v1's file has in the gRPC repository, which clients expect. */
const HEALTH_FILE = 'grpc/health/v1/health.proto';

/**
 * Serves grpc.reflection.v1 (and v1alpha) describing exactly `services` (fully qualified names).
 * A service outside proto/ (a test's own .proto) is described from `loaded`, proto-loader's view
 * of it, which has made-up file names and camelCase fields: enough to list and call it.
 */
export function addReflection(server: Pick<Server, 'addService'>, services: readonly string[], loaded: PackageDefinition = {}): void {
  const described: Record<string, unknown> = {
    'switchyard.descriptors': { fileDescriptorProtos: protoFileDescriptors().map((file) => Buffer.from(file.bytes)) },
    'grpc.health.v1.descriptors': { fileDescriptorProtos: [healthFileDescriptor()] },
  };
  const known = describedServices();
  if (services.some((service) => service !== HEALTH_SERVICE && !known.has(service))) Object.assign(described, loaded);
  new ReflectionService(described as PackageDefinition, { services: [...services] }).addToServer(server);
}

let serviceIndex: ReadonlySet<string> | undefined;

/** Fully qualified names of the services the compiled proto/ declares. */
function describedServices(): ReadonlySet<string> {
  serviceIndex ??= new Set(
    protoFileDescriptors().flatMap(({ bytes }) => {
      const file = fromBinary(FileDescriptorProtoSchema, bytes);
      return file.service.map((service) => `${file.package}.${service.name}`);
    }),
  );
  return serviceIndex;
}

let health: Buffer | undefined;

/** grpc-health-check ships health.proto without its path; proto-loader names the file after the package. */
function healthFileDescriptor(): Buffer {
  if (!health) {
    // Message entries of a proto-loader definition carry their file's descriptor (service entries do not).
    const request = loadSync(healthProtoPath, { keepCase: true })['grpc.health.v1.HealthCheckRequest'] as {
      fileDescriptorProtos: Buffer[];
    };
    const file = asProtocWouldWrite(fromBinary(FileDescriptorProtoSchema, request.fileDescriptorProtos[0]!));
    file.name = HEALTH_FILE;
    health = Buffer.from(toBinary(FileDescriptorProtoSchema, file));
  }
  return health;
}

/**
 * protobufjs writes type references relative to their scope and names a map's entry message after
 * the field; protoc writes fully qualified references and `<Field>Entry`. Strict descriptor pools
 * expect the latter.
 */
function asProtocWouldWrite(file: FileDescriptorProto): FileDescriptorProto {
  const declared = new Set<string>();
  const renamed = new Map<string, string>();
  const walk = (scope: string, messages: DescriptorProto[], visit: (scope: string, message: DescriptorProto) => void): void => {
    for (const message of messages) {
      visit(scope, message);
      walk(`${scope}.${message.name}`, message.nestedType, visit);
    }
  };
  const root = file.package ? `.${file.package}` : '';
  walk(root, file.messageType, (scope, message) => {
    for (const nested of message.nestedType) {
      const field = message.field.find((f) => f.typeName === nested.name || f.typeName.endsWith(`.${nested.name}`));
      if (nested.options?.mapEntry && field) {
        const entry = `${field.name.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())}Entry`;
        renamed.set(`${scope}.${message.name}.${nested.name}`, `${scope}.${message.name}.${entry}`);
        nested.name = entry;
      }
    }
    declared.add(`${scope}.${message.name}`);
    for (const e of message.enumType) declared.add(`${scope}.${message.name}.${e.name}`);
  });
  for (const e of file.enumType) declared.add(`${root}.${e.name}`);
  const resolve = (scope: string, name: string): string => {
    if (name === '' || name.startsWith('.')) return renamed.get(name) ?? name;
    // C++-style scoping: the innermost enclosing scope that declares it.
    for (let at = scope; ; at = at.slice(0, Math.max(0, at.lastIndexOf('.')))) {
      const candidate = `${at}.${name}`;
      if (renamed.has(candidate)) return renamed.get(candidate)!;
      if (declared.has(candidate)) return candidate;
      if (at === '') return `.${name}`;
    }
  };
  walk(root, file.messageType, (scope, message) => {
    // Scalar fields have no type name; setting it, even to '', makes it present and invalid.
    for (const field of message.field) if (field.typeName !== '') field.typeName = resolve(`${scope}.${message.name}`, field.typeName);
  });
  for (const service of file.service) {
    for (const method of service.method) {
      method.inputType = resolve(root, method.inputType);
      method.outputType = resolve(root, method.outputType);
    }
  }
  return file;
}
