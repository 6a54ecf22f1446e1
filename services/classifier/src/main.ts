import { startGrpcService } from '@switchyard/service-host';
import { ClassifierModule } from './classifier.module.js';

await startGrpcService({
  name: 'classifier',
  module: ClassifierModule,
  url: process.env.GRPC_URL ?? '127.0.0.1:50052',
});
