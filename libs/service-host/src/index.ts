export { JsonLogger } from './json-logger.js';
export {
  PROTO_LOADER_OPTIONS,
  startGrpcService,
  type GrpcServiceConfig,
  type RunningGrpcService,
  type ServedProtos,
} from './start-grpc-service.js';
export { checkHealth, listReflectedServices } from './probe.js';
