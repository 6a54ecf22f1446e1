import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import {
  ERROR_DOMAIN,
  packAny,
  rpcProtos,
  STATUS_DETAILS_TRAILER,
  type ErrorInfo,
  type FieldViolation,
  type PreconditionViolation,
  type ResourceInfo,
} from './status-details.js';

export {
  decodeStatusDetails,
  ERROR_DOMAIN,
  STATUS_DETAILS_TRAILER,
  type DecodedStatus,
  type ErrorDetail,
  type ErrorInfo,
  type FieldViolation,
  type PreconditionViolation,
  type ResourceInfo,
} from './status-details.js';

/**
 * gRPC errors with standard codes and google.rpc rich details (https://google.aip.dev/193).
 *
 * Each builder returns an `RpcException` whose error object is `{ code, message, metadata }`.
 * NestJS's default RPC exception filter hands that object to grpc-js unchanged, and grpc-js
 * sends `code` as `grpc-status`, `message` as `grpc-message` and `metadata` as trailers. The
 * details travel in the `grpc-status-details-bin` trailer as a binary `google.rpc.Status`
 * whose `details` are `google.protobuf.Any`-packed messages from `google/rpc/error_details.proto`
 * (the protos come from the `google-proto-files` package, not copied here).
 */

/** Builds the exception; `details` are `[fully-qualified type, fields in proto names]` pairs. */
export function grpcError(code: GrpcStatus, message: string, details: [string, Record<string, unknown>][] = []): RpcException {
  const statusType = rpcProtos().lookupType('google.rpc.Status');
  const body = statusType.fromObject({ code, message, details: details.map(([type, value]) => packAny(type, value)) });
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_TRAILER, Buffer.from(statusType.encode(body).finish()));
  return new RpcException({ code, message, metadata });
}

function errorInfo(info: ErrorInfo): [string, Record<string, unknown>] {
  const metadata = Object.fromEntries(Object.entries(info.metadata ?? {}).map(([key, value]) => [key, String(value)]));
  return ['google.rpc.ErrorInfo', { reason: info.reason, domain: ERROR_DOMAIN, metadata }];
}

function resourceInfo(resource: ResourceInfo): [string, Record<string, unknown>] {
  return [
    'google.rpc.ResourceInfo',
    {
      resource_type: resource.resourceType,
      resource_name: resource.resourceName,
      description: resource.description ?? '',
    },
  ];
}

/** INVALID_ARGUMENT with a google.rpc.BadRequest naming every offending field. */
export function invalidArgument(violations: FieldViolation[], message?: string): RpcException {
  const text = message ?? `invalid request: ${violations.map((v) => `${v.field}: ${v.description}`).join('; ')}`;
  return grpcError(GrpcStatus.INVALID_ARGUMENT, text, [
    ['google.rpc.BadRequest', { field_violations: violations.map((v) => ({ field: v.field, description: v.description })) }],
  ]);
}

/** NOT_FOUND, with a google.rpc.ResourceInfo when the resource is named. */
export function notFound(message: string, resource?: ResourceInfo): RpcException {
  return grpcError(GrpcStatus.NOT_FOUND, message, resource ? [resourceInfo(resource)] : []);
}

/** ALREADY_EXISTS, with a google.rpc.ResourceInfo and optionally an ErrorInfo saying why. */
export function alreadyExists(message: string, resource?: ResourceInfo, info?: ErrorInfo): RpcException {
  const details = [...(resource ? [resourceInfo(resource)] : []), ...(info ? [errorInfo(info)] : [])];
  return grpcError(GrpcStatus.ALREADY_EXISTS, message, details);
}

/** FAILED_PRECONDITION with google.rpc.PreconditionFailure violations and/or an ErrorInfo. */
export function failedPrecondition(message: string, detail: { violations?: PreconditionViolation[]; info?: ErrorInfo }): RpcException {
  const details: [string, Record<string, unknown>][] = [];
  if (detail.violations?.length) details.push(['google.rpc.PreconditionFailure', { violations: detail.violations }]);
  if (detail.info) details.push(errorInfo(detail.info));
  return grpcError(GrpcStatus.FAILED_PRECONDITION, message, details);
}

/** UNAUTHENTICATED: missing or unknown credentials. */
export function unauthenticated(message: string, info?: ErrorInfo): RpcException {
  return grpcError(GrpcStatus.UNAUTHENTICATED, message, info ? [errorInfo(info)] : []);
}

/** PERMISSION_DENIED: known caller, not allowed. Never for another tenant's resource (that is NOT_FOUND). */
export function permissionDenied(message: string, info?: ErrorInfo): RpcException {
  return grpcError(GrpcStatus.PERMISSION_DENIED, message, info ? [errorInfo(info)] : []);
}

/** google.rpc.RetryInfo: how long a client should wait before trying the same call again. */
function retryInfo(retryAfterMs: number): [string, Record<string, unknown>] {
  const ms = Math.max(0, Math.ceil(retryAfterMs));
  return ['google.rpc.RetryInfo', { retry_delay: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 } }];
}

/** A google.rpc.QuotaFailure violation: whose quota, and which. */
export interface QuotaViolation {
  readonly subject: string;
  readonly description: string;
}

/**
 * RESOURCE_EXHAUSTED: the service is saturated or a quota is used up. Carries a RetryInfo (when
 * to try again), and optionally a QuotaFailure and an ErrorInfo; well-behaved clients back off.
 */
export function resourceExhausted(
  message: string,
  detail: { retryAfterMs: number; quota?: QuotaViolation[]; info?: ErrorInfo },
): RpcException {
  const details: [string, Record<string, unknown>][] = [retryInfo(detail.retryAfterMs)];
  if (detail.quota?.length)
    details.push([
      'google.rpc.QuotaFailure',
      { violations: detail.quota.map((v) => ({ subject: v.subject, description: v.description })) },
    ]);
  if (detail.info) details.push(errorInfo(detail.info));
  return grpcError(GrpcStatus.RESOURCE_EXHAUSTED, message, details);
}

/** UNAVAILABLE: a transient condition (a dependency outage, a leader change); retry after RetryInfo. */
export function unavailable(message: string, detail: { retryAfterMs: number; info?: ErrorInfo }): RpcException {
  return grpcError(GrpcStatus.UNAVAILABLE, message, [retryInfo(detail.retryAfterMs), ...(detail.info ? [errorInfo(detail.info)] : [])]);
}

/** UNIMPLEMENTED: an RPC the service declares but does not offer yet. */
