export { ADMIN_KEY, OPERATORS, TENANTS, startStack, type Backend, type ServiceName, type Stack, type StackOptions } from './stack.js';
export { JobApi, PayoutApi, ProviderApi, UsageApi, bearer, eventually } from './grpc-clients.js';
export { TestProvider, type ProviderShape } from './test-provider.js';
