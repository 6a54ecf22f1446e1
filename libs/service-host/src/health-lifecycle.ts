import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type Type,
} from '@nestjs/common';
import type { Tracing } from '@switchyard/telemetry';
import { HealthImplementation } from 'grpc-health-check';

/** The names health reports on: `''` (the whole server) plus each served gRPC service. */
export const HEALTH_SERVICE_NAMES = Symbol('HEALTH_SERVICE_NAMES');
const HOST_LIFECYCLE = Symbol('HOST_LIFECYCLE');

/** Shared with startGrpcService: once closing, dependency reports no longer change health. */
export interface HostLifecycle {
  closing: boolean;
  onClose?: () => void;
}

/** Turns health NOT_SERVING as soon as shutdown starts, before the gRPC server closes. */
@Injectable()
class HealthOnShutdown implements BeforeApplicationShutdown {
  constructor(
    private readonly health: HealthImplementation,
    @Inject(HEALTH_SERVICE_NAMES) private readonly names: readonly string[],
    @Inject(HOST_LIFECYCLE) private readonly lifecycle: HostLifecycle,
  ) {}

  beforeApplicationShutdown(signal?: string): void {
    this.lifecycle.closing = true;
    this.lifecycle.onClose?.();
    new Logger('ServiceHost').log(`shutting down${signal ? ` on ${signal}` : ''}: health NOT_SERVING`);
    for (const name of this.names) this.health.setStatus(name, 'NOT_SERVING');
  }
}

const TRACING = Symbol('TRACING');

/** Flushes the spans still buffered once everything else has shut down. */
@Injectable()
class TracingOnShutdown implements OnApplicationShutdown {
  constructor(@Inject(TRACING) private readonly tracing: Tracing) {}

  async onApplicationShutdown(): Promise<void> {
    await this.tracing.shutdown();
  }
}

/** Wraps a service's root module so every service gets the same host-level providers. */
@Module({})
export class ServiceHostModule {
  static wrap(
    service: Type<unknown> | DynamicModule,
    health: HealthImplementation,
    names: readonly string[],
    tracing: Tracing,
    lifecycle: HostLifecycle = { closing: false },
  ): DynamicModule {
    return {
      module: ServiceHostModule,
      imports: [service],
      providers: [
        { provide: HealthImplementation, useValue: health },
        { provide: HEALTH_SERVICE_NAMES, useValue: names },
        { provide: TRACING, useValue: tracing },
        { provide: HOST_LIFECYCLE, useValue: lifecycle },
        HealthOnShutdown,
        TracingOnShutdown,
      ],
    };
  }
}
