import { Module } from '@nestjs/common';

/** Root module of the classifier service; its gRPC controllers and consumers are registered here. */
@Module({})
export class ClassifierModule {}
