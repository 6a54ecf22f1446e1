// gRPC server reflection from the compiled .proto files (see @switchyard/contracts'
// protoFileDescriptors): what a reflection client (grpcurl, grpcui, Postman) receives is what
// proto/ declares, under the real file names with their imports and snake_case field names, so
// a standard descriptor pool accepts it. The served API is still loaded by proto-loader for
// NestJS; only the description comes from here.
import type { Server } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { protoFileDescriptors } from '@switchyard/contracts';
import { protoPath as healthProtoPath } from 'grpc-health-check';

export const HEALTH_SERVICE = 'grpc.health.v1.Health';
/** The name grpc.health.v1's file has in the gRPC repository, which clients expect. */
const HEALTH_FILE = 'grpc/health/v1/health.proto';

/** Serves grpc.reflection.v1 (and v1alpha) describing exactly `services` (fully qualified names). */
export function addReflection(server: Pick<Server, 'addService'>, services: readonly string[]): void {
  const described: PackageDefinition = {
    'switchyard.descriptors': { format: 'FileDescriptorProto', fileDescriptorProtos: protoFileDescriptors().map((file) => Buffer.from(file.bytes)) } as never,
    'grpc.health.v1.descriptors': { format: 'FileDescriptorProto', fileDescriptorProtos: [healthFileDescriptor()] } as never,
  };
  new ReflectionService(described, { services: [...services] }).addToServer(server);
}

let health: Buffer | undefined;

/** grpc-health-check ships health.proto without its path; proto-loader names the file after the package. */
function healthFileDescriptor(): Buffer {
  if (!health) {
    // Message entries of a proto-loader definition carry their file's descriptor (service entries do not).
    const request = loadSync(healthProtoPath, { keepCase: true })['grpc.health.v1.HealthCheckRequest'] as { fileDescriptorProtos: Buffer[] };
    const file = fromBinary(FileDescriptorProtoSchema, request.fileDescriptorProtos[0]!);
    file.name = HEALTH_FILE;
    health = Buffer.from(toBinary(FileDescriptorProtoSchema, file));
  }
  return health;
}
