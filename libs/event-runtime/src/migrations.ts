import { CreateEventInbox1764000000000 } from './inbox/create-event-inbox.migration.js';
import { CreateEventOutbox1764000000001 } from './outbox/create-event-outbox.migration.js';

/** The inbox and outbox migrations, to spread into a service's DataSource `migrations`. */
export const eventRuntimeMigrations = [CreateEventInbox1764000000000, CreateEventOutbox1764000000001];
