import { Module } from '@nestjs/common';

/** Root module of the intake service; its gRPC controllers and consumers are registered here. */
@Module({})
export class IntakeModule {}
