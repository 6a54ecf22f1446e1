// The switchyard.v1 messages and enums that carry no gRPC runtime: jobs, specs, providers and
// Timestamp. The request/response messages of each service live next to its grpc-js definition
// (api.ts); what domain code and the CLI need to decide and to label is here.
export * from './gen/switchyard/v1/job_spec.js';
export * from './gen/switchyard/v1/job.js';
export * from './gen/switchyard/v1/provider.js';
export { Timestamp } from './gen/google/protobuf/timestamp.js';
