export { JsonLogger } from './json-logger.js';
export {
  PROTO_LOADER_OPTIONS,
  startGrpcService,
  type GrpcServiceConfig,
  type RunningGrpcService,
} from './start-grpc-service.js';
export { checkHealth, listReflectedServices, waitUntilServing } from './probe.js';
