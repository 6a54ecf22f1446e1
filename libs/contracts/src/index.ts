// @switchyard/contracts: everything in ./messages.ts (messages, topics, envelopes, labels, faults,
// data inputs, timestamps) plus what needs the gRPC runtime or the proto files: the full
// switchyard.v1 API with service definitions and clients, proto paths, descriptors and the topic
// documentation. `api` here is the full API; the local export takes precedence over messages'.
export * from './messages.js';
export * as api from './api.js';
export { apiPackageName, apiProtoFiles, eventProtoFiles, protoLoaderOptions, protoRoot } from './proto-files.js';
export { topicContractsDocument } from './topic-contracts.js';
export { protoFileDescriptors, type ProtoFileDescriptor } from './descriptors.js';
export { DATASCHEMA_PREFIX, DEAD_LETTER_MESSAGE, dataschemaForEventType, dataschemaOf, messageOfDataschema } from './payload-schemas.js';
