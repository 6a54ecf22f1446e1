// google.rpc.Status and its details (https://google.aip.dev/193) without NestJS: the types, the
// packing the server-side builders use, and the client-side decoder (the CLI and other clients
// import it from `@switchyard/service-host/status-details`).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs';

export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';
/** `ErrorInfo.domain` of every Switchyard error. */
export const ERROR_DOMAIN = 'switchyard';

export interface FieldViolation {
  /** Path of the offending field in proto names, e.g. `spec.gpu_count`. */
  field: string;
  description: string;
}

export interface ResourceInfo {
  /** e.g. `switchyard.v1.Job` */
  resourceType: string;
  resourceName: string;
  description?: string;
}

export interface PreconditionViolation {
  /** Kind of precondition, e.g. `JOB_STATE`. */
  type: string;
  /** What failed it, e.g. the job id. */
  subject: string;
  description: string;
}

export interface ErrorInfo {
  /** UPPER_SNAKE_CASE, stable: clients switch on it. */
  reason: string;
  /** Machine-readable facts (limits, current values); values are strings on the wire. */
  metadata?: Record<string, string | number | bigint>;
}

/** A decoded detail: its type name (without the type URL prefix) and its fields. */
export interface ErrorDetail {
  type: string;
  value: Record<string, unknown>;
}

export interface DecodedStatus {
  code: number;
  message: string;
  details: ErrorDetail[];
}

const TYPE_URL_PREFIX = 'type.googleapis.com/';

let protos: protobuf.Root | undefined;

/** google/rpc/status.proto and error_details.proto, loaded once from google-proto-files. */
export function rpcProtos(): protobuf.Root {
  if (protos) return protos;
  const require = createRequire(import.meta.url);
  const protoDir = dirname(require.resolve('google-proto-files/package.json'));
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir, target);
  protos = root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
  return protos;
}

export function packAny(typeName: string, value: Record<string, unknown>): { type_url: string; value: Uint8Array } {
  const type = rpcProtos().lookupType(typeName);
  const problem = type.verify(value);
  if (problem) throw new Error(`invalid ${typeName}: ${problem}`);
  return { type_url: TYPE_URL_PREFIX + typeName, value: type.encode(type.fromObject(value)).finish() };
}

/**
 * Client side: decodes the `google.rpc.Status` in a grpc-js error's trailers, details unpacked
 * (fields in proto names, int64 as strings). Undefined when the server sent no details.
 */
export function decodeStatusDetails(error: Pick<ServiceError, 'metadata'>): DecodedStatus | undefined {
  const [raw] = error.metadata?.get(STATUS_DETAILS_TRAILER) ?? [];
  if (raw === undefined || typeof raw === 'string') return undefined;
  const root = rpcProtos();
  const decoded = root.lookupType('google.rpc.Status').decode(raw) as unknown as {
    code: number;
    message: string;
    details: { type_url: string; value: Uint8Array }[];
  };
  const details = decoded.details.map((any) => {
    const type = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
    const messageType = root.lookup(type);
    if (!(messageType instanceof protobuf.Type)) return { type, value: {} };
    const value = messageType.toObject(messageType.decode(any.value), { longs: String, enums: String, defaults: true });
    return { type, value };
  });
  return { code: decoded.code, message: decoded.message, details };
}
