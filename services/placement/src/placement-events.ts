// Where placement's events go: the outbox of the transaction that made the change, one topic
// per event family. Published by the relay after commit, never for a rollback.
import { Inject, Injectable } from '@nestjs/common';
import { topicNames } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import { Outbox } from '@switchyard/event-runtime';
import type { EntityManager } from 'typeorm';
import { PLACEMENT_CONFIG } from './tokens.js';
import type { PlacementConfig } from './config.js';

@Injectable()
export class PlacementEvents {
  readonly topics: ReturnType<typeof topicNames>;
  private readonly outbox = new Outbox();

  constructor(@Inject(PLACEMENT_CONFIG) config: PlacementConfig) {
    this.topics = topicNames(config.topicPrefix);
  }

  jobs(manager: EntityManager, envelopes: EventEnvelope | readonly EventEnvelope[]): Promise<void> {
    return this.outbox.add(manager, this.topics.jobs, envelopes);
  }

  providers(manager: EntityManager, envelopes: EventEnvelope | readonly EventEnvelope[]): Promise<void> {
    return this.outbox.add(manager, this.topics.providers, envelopes);
  }

  usage(manager: EntityManager, envelopes: EventEnvelope | readonly EventEnvelope[]): Promise<void> {
    return this.outbox.add(manager, this.topics.usage, envelopes);
  }
}
