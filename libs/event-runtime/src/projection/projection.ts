// A projection: tables a service derives from the log alone, kept live by one of its consumer
// groups and rebuildable from the log at any time (rebuild-projection.ts). The service declares
// it once; its consumer and the rebuild apply events with the same `apply`.
import type { LoggedEvent } from '@switchyard/event-log';
import type { DataSourceOptions, EntityManager } from 'typeorm';

/** What applying one event did: `applied`, or why it changed nothing (for logs and rebuild reports). */
export type ProjectionOutcome = { readonly applied: true } | { readonly applied: false; readonly reason: string };

export const APPLIED: ProjectionOutcome = { applied: true };

/** The events a projection folds from one topic. */
export interface ProjectionSource {
  /** Physical topic name. */
  readonly topic: string;
  /** The CloudEvents types (`ce_type`) applied; others on the topic are not the projection's. */
  readonly types: readonly string[];
}

export interface Projection {
  /** What an operator names it by: `switchyard rebuild <name>`. */
  readonly name: string;
  readonly description: string;
  /** The service that owns the tables. */
  readonly service: string;
  /** The service's schema unless configured otherwise (its DATABASE_SCHEMA default). */
  readonly defaultSchema: string;
  /** The consumer group that keeps the tables live (its inbox claims move with the tables). */
  readonly defaultConsumerGroup: string;
  /**
   * The tables it owns, in the service's schema. Only events of `sources` change them, and
   * nothing outside this list references them (a rebuild checks: no foreign key crossing the
   * list, no triggers, no types of the service's own).
   */
  readonly tables: readonly string[];
  /** The service's migrations: run on an empty schema they create the tables exactly as the live ones are. */
  readonly migrations: NonNullable<DataSourceOptions['migrations']>;
  /** The topics and event types folded, under a topic prefix. */
  sources(topicPrefix: string): readonly ProjectionSource[];
  /**
   * Applies one event through `manager` (whose transaction also holds the inbox claim); unqualified
   * table names resolve to the tables being written, live or fresh. It must not emit events.
   */
  apply(manager: EntityManager, event: LoggedEvent): Promise<ProjectionOutcome>;
}
