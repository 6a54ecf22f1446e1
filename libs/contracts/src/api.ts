// Public gRPC API, protobuf package switchyard.v1: message types with encode/decode/JSON
// helpers and grpc-js service definitions, clients and server interfaces.
export * from './gen/switchyard/v1/job_spec.js';
export * from './gen/switchyard/v1/job.js';
export * from './gen/switchyard/v1/job_service.js';
export * from './gen/switchyard/v1/provider.js';
export * from './gen/switchyard/v1/provider_service.js';
export * from './gen/switchyard/v1/usage_service.js';
export * from './gen/switchyard/v1/payout_service.js';
export { Timestamp } from './gen/google/protobuf/timestamp.js';
