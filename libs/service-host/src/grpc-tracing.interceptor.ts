// A SERVER span per gRPC call, continuing the caller's trace from its `traceparent` metadata.
// The handler runs inside the span's context, so events it stores in the outbox carry the trace on.
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { context, contextOf, SpanKind, SpanStatusCode, trace, tracer } from '@switchyard/telemetry';
import { Observable } from 'rxjs';

@Injectable()
export class GrpcTracingInterceptor implements NestInterceptor {
  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const metadata = execution.getArgByIndex<unknown>(1);
    // Only gRPC calls: event-log handlers get their consumer span from the event runtime.
    if (execution.getType() !== 'rpc' || !(metadata instanceof Metadata)) return next.handle();
    const header = (name: string): string | undefined => metadata.get(name)[0]?.toString();
    const parent = contextOf({ traceparent: header('traceparent'), tracestate: header('tracestate') });
    const method = execution.getHandler().name;
    const span = tracer.startSpan(`${execution.getClass().name}/${method}`, { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.method': method } }, parent);
    const end = (error?: unknown): void => {
      if (error !== undefined) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      }
      span.end();
    };
    // Subscribing inside the span's context runs the handler, and everything it awaits, inside it.
    return new Observable((subscriber) =>
      context.with(trace.setSpan(parent, span), () =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
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
