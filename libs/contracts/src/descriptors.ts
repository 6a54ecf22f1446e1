// The compiled .proto files as google.protobuf.FileDescriptorProtos, for servers to describe
// themselves (gRPC reflection) exactly as proto/ declares them: real file names and imports,
// snake_case field names with their json_name.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { fileDescriptorSet } from './descriptor-set.js';

export interface ProtoFileDescriptor {
  /** Path under the proto root, e.g. `switchyard/v1/job_service.proto`. */
  readonly name: string;
  /** The serialized FileDescriptorProto. */
  readonly bytes: Uint8Array;
}

let files: readonly ProtoFileDescriptor[] | undefined;

/** Every file of proto/ and every file it imports (google/protobuf/*), in dependency order. */
export function protoFileDescriptors(): readonly ProtoFileDescriptor[] {
  files ??= fromBinary(FileDescriptorSetSchema, fileDescriptorSet).file.map((file) => ({
    name: file.name,
    bytes: toBinary(FileDescriptorProtoSchema, file),
  }));
  return files;
}
