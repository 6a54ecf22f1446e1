// A dependency outage (PostgreSQL or the broker unreachable or restarting) answers UNAVAILABLE
// with a RetryInfo and ErrorInfo reason DEPENDENCY_UNAVAILABLE, so a careful client retries the
// same call later; without this filter Nest answers UNKNOWN "Internal server error", which
// clients must not retry. Other errors are left to Nest's default RPC filter, as before.
import { type ArgumentsHost, Catch } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { BaseRpcExceptionFilter, RpcException } from '@nestjs/microservices';
import { isDependencyOutage } from '@switchyard/telemetry';
import { throwError, type Observable } from 'rxjs';
import { unavailable } from './grpc-errors.js';

/** `ErrorInfo.reason` of an answer refused because a dependency is away. */
export const DEPENDENCY_UNAVAILABLE = 'DEPENDENCY_UNAVAILABLE';
/** How long a client is asked to wait before retrying during an outage. */
export const OUTAGE_RETRY_AFTER_MS = 1_000;

/** The UNAVAILABLE answer for an outage error, or undefined when the error is not one. */
export function dependencyUnavailable(error: unknown): RpcException | undefined {
  if (error instanceof RpcException || !isDependencyOutage(error)) return undefined;
  const message = error instanceof Error ? error.message : String(error);
  return unavailable(`a dependency of this service is unavailable, retry later (${message})`, {
    retryAfterMs: OUTAGE_RETRY_AFTER_MS,
    info: { reason: DEPENDENCY_UNAVAILABLE, metadata: { retry_after_ms: OUTAGE_RETRY_AFTER_MS } },
  });
}

@Catch()
export class DependencyOutageFilter extends BaseRpcExceptionFilter<unknown> {
  override catch(exception: unknown, host: ArgumentsHost): Observable<unknown> {
    // Only gRPC calls: an event-log handler's error passes on unchanged (as EventHandlerErrorFilter
    // does), so the consumer's retries log it and its dead letter records it.
    const isGrpcCall = host.getType() === 'rpc' && host.getArgByIndex(1) instanceof Metadata;
    if (!isGrpcCall) return throwError(() => exception);
    return super.catch(dependencyUnavailable(exception) ?? exception, host);
  }
}
