import { startGrpcService } from '@switchyard/service-host';
import { IntakeModule } from './intake.module.js';

await startGrpcService({
  name: 'intake',
  module: IntakeModule,
  url: process.env.GRPC_URL ?? '127.0.0.1:50051',
});
