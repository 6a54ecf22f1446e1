// A SERVER span per gRPC call, continuing the caller's trace from its `traceparent` metadata, and
// its duration on rpc.server.call.duration. Names follow the semantic conventions (v1.45.0):
// span `switchyard.v1.JobService/SubmitJob`, rpc.system.name, rpc.method and rpc.status_code,
// plus rpc.service and rpc.grpc.status_code, which trace back-ends still read for service graphs.
// The handler runs inside the span's context, so events it stores in the outbox carry the trace on.
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Metadata, status } from '@grpc/grpc-js';
import {
  context,
  contextOf,
  grpcStatusName,
  histogram,
  rpcNames,
  semconv,
  SpanKind,
  SpanStatusCode,
  switchyardMetrics,
  trace,
  tracer,
} from '@switchyard/telemetry';
import { Observable } from 'rxjs';
import { dependencyUnavailable } from './dependency-outage.filter.js';

const serverDuration = histogram(switchyardMetrics.RPC_SERVER_DURATION);
const PATTERN_METADATA = 'microservices:pattern';

@Injectable()
export class GrpcTracingInterceptor implements NestInterceptor {
  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const metadata = execution.getArgByIndex<unknown>(1);
    // Only gRPC calls: event-log handlers get their consumer span from the event runtime.
    if (execution.getType() !== 'rpc' || !(metadata instanceof Metadata)) return next.handle();
    const header = (name: string): string | undefined => metadata.get(name)[0]?.toString();
    const parent = contextOf({ traceparent: header('traceparent'), tracestate: header('tracestate') });
    const { method, service } = rpcNames(callPath(execution));
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [semconv.ATTR_RPC_SYSTEM_NAME]: semconv.RPC_SYSTEM_NAME_VALUE_GRPC,
          [semconv.ATTR_RPC_SYSTEM]: 'grpc',
          [semconv.ATTR_RPC_METHOD]: method,
          [semconv.ATTR_RPC_SERVICE]: service,
        },
      },
      parent,
    );
    const started = performance.now();
    const end = (error?: unknown): void => {
      const code = error === undefined ? status.OK : grpcCodeOf(error);
      const name = grpcStatusName(code);
      span.setAttributes({ [semconv.ATTR_RPC_STATUS_CODE]: name, [semconv.ATTR_RPC_GRPC_STATUS_CODE]: code });
      if (error !== undefined) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) });
      }
      span.end();
      serverDuration.record((performance.now() - started) / 1000, {
        [semconv.ATTR_RPC_SYSTEM_NAME]: semconv.RPC_SYSTEM_NAME_VALUE_GRPC,
        [semconv.ATTR_RPC_METHOD]: method,
        [semconv.ATTR_RPC_STATUS_CODE]: name,
      });
    };
    // Subscribing inside the span's context runs the handler, and everything it awaits, inside it.
    return new Observable((subscriber) =>
      context.with(trace.setSpan(parent, span), () =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (raised: unknown) => {
            // A dependency outage is answered UNAVAILABLE (retryable); record it as such.
            const error = dependencyUnavailable(raised) ?? raised;
            end(error);
            subscriber.error(error);
          },
          complete: () => {
            end();
            subscriber.complete();
          },
        }),
      ),
    );
  }
}

/** `/package.Service/Method` from the grpc-js call, or from the handler's @GrpcMethod pattern. */
function callPath(execution: ExecutionContext): string {
  const call = execution.getArgByIndex<{ getPath?: () => string } | undefined>(2);
  if (typeof call?.getPath === 'function') return call.getPath();
  const [pattern] =
    (Reflect.getMetadata(PATTERN_METADATA, execution.getHandler()) as { service?: string; rpc?: string }[] | undefined) ?? [];
  return `/${pattern?.service ?? execution.getClass().name}/${pattern?.rpc ?? execution.getHandler().name}`;
}

/** The gRPC status an error is answered with (RpcException `{ code }`, a grpc-js error), else UNKNOWN. */
function grpcCodeOf(error: unknown): number {
  const inner =
    typeof (error as { getError?: unknown })?.getError === 'function' ? (error as { getError: () => unknown }).getError() : error;
  const code = (inner as { code?: unknown })?.code;
  return typeof code === 'number' && Number.isInteger(code) ? code : status.UNKNOWN;
}

function messageOf(error: unknown): string {
  const inner =
    typeof (error as { getError?: unknown })?.getError === 'function' ? (error as { getError: () => unknown }).getError() : error;
  return String((inner as { message?: unknown })?.message ?? (error as Error)?.message ?? error);
}
