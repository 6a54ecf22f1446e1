import { type BeforeApplicationShutdown, Inject, Injectable, Logger, Module, type DynamicModule, type Type } from '@nestjs/common';
import { HealthImplementation } from 'grpc-health-check';

/** The names health reports on: `''` (the whole server) plus each served gRPC service. */
export const HEALTH_SERVICE_NAMES = Symbol('HEALTH_SERVICE_NAMES');

/** Turns health NOT_SERVING as soon as shutdown starts, before the gRPC server closes. */
@Injectable()
class HealthOnShutdown implements BeforeApplicationShutdown {
  constructor(
    private readonly health: HealthImplementation,
    @Inject(HEALTH_SERVICE_NAMES) private readonly names: readonly string[],
  ) {}

  beforeApplicationShutdown(signal?: string): void {
    new Logger('ServiceHost').log(`shutting down${signal ? ` on ${signal}` : ''}: health NOT_SERVING`);
    for (const name of this.names) this.health.setStatus(name, 'NOT_SERVING');
  }
}

/** Wraps a service's root module so every service gets the same host-level providers. */
@Module({})
export class ServiceHostModule {
  static wrap(service: Type<unknown>, health: HealthImplementation, names: readonly string[]): DynamicModule {
    return {
      module: ServiceHostModule,
      imports: [service],
      providers: [
        { provide: HealthImplementation, useValue: health },
        { provide: HEALTH_SERVICE_NAMES, useValue: names },
        HealthOnShutdown,
      ],
    };
  }
}
