import { Module } from '@nestjs/common';

/** Root module of the metering service; its gRPC controllers and consumers are registered here. */
@Module({})
export class MeteringModule {}
