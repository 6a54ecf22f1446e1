// A CLIENT span per outgoing gRPC call, for any grpc-js client: pass it as an interceptor
// (`new Client(address, credentials, { interceptors: [grpcClientTracing] })`). The call's
// metadata carries the span's traceparent, so the server's span continues the caller's trace.
import {
  InterceptingCall,
  ListenerBuilder,
  RequesterBuilder,
  status,
  type Interceptor,
  type Metadata,
  type StatusObject,
} from '@grpc/grpc-js';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { histogram, DURATION_BUCKETS_SECONDS } from './instruments.js';
import {
  ATTR_RPC_GRPC_STATUS_CODE,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  ATTR_RPC_STATUS_CODE,
  ATTR_RPC_SYSTEM,
  ATTR_RPC_SYSTEM_NAME,
  METRIC_RPC_CLIENT_CALL_DURATION,
  RPC_SYSTEM_NAME_VALUE_GRPC,
} from './semconv.js';
import { tracer } from './trace-context.js';

const clientDuration = histogram({
  name: METRIC_RPC_CLIENT_CALL_DURATION,
  unit: 's',
  description: 'Duration of outgoing gRPC calls',
  buckets: DURATION_BUCKETS_SECONDS,
});

/** `/switchyard.v1.JobService/SubmitJob` -> its semantic-convention names. */
export function rpcNames(path: string): { method: string; service: string } {
  const method = path.replace(/^\//, '');
  return { method, service: method.split('/')[0] ?? method };
}

/** The name of a gRPC status code, e.g. `NOT_FOUND` for 5. */
export function grpcStatusName(code: number): string {
  return (status as unknown as Record<number, string>)[code] ?? String(code);
}

const setMetadata = { set: (carrier: Metadata, key: string, value: string) => carrier.set(key, value) };

export const grpcClientTracing: Interceptor = (options, nextCall) => {
  const { method, service } = rpcNames(options.method_definition.path);
  const span = tracer.startSpan(method, {
    kind: SpanKind.CLIENT,
    attributes: {
      [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_NAME_VALUE_GRPC,
      [ATTR_RPC_SYSTEM]: 'grpc',
      [ATTR_RPC_METHOD]: method,
      [ATTR_RPC_SERVICE]: service,
    },
  });
  const started = performance.now();
  const requester = new RequesterBuilder()
    .withStart((metadata, listener, next) => {
      propagation.inject(trace.setSpan(context.active(), span), metadata, setMetadata);
      next(
        metadata,
        new ListenerBuilder()
          .withOnReceiveStatus((received: StatusObject, nextStatus) => {
            const name = grpcStatusName(received.code);
            span.setAttributes({ [ATTR_RPC_STATUS_CODE]: name, [ATTR_RPC_GRPC_STATUS_CODE]: received.code });
            if (received.code !== status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: received.details });
            span.end();
            clientDuration.record((performance.now() - started) / 1000, {
              [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_NAME_VALUE_GRPC,
              [ATTR_RPC_METHOD]: method,
              [ATTR_RPC_STATUS_CODE]: name,
            });
            nextStatus(received);
          })
          .build(),
      );
    })
    .build();
  return new InterceptingCall(nextCall(options), requester);
};
