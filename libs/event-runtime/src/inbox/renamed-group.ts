// Consumer groups became namespaced (`intake` -> `switchyard.intake`). A group id is also the
// inbox's key, so a service starting under the new name on a database where the old name applied
// events would begin the log again with an empty inbox and apply every event a second time.
// It refuses to start instead, saying how to carry on (docs/topics/README.md).
import { CONSUMER_GROUP_PREFIX } from '@switchyard/contracts';
import type { DataSource } from 'typeorm';

export class ConsumerGroupRenamedError extends Error {
  override readonly name = 'ConsumerGroupRenamedError';
}

export async function refuseRenamedGroup(dataSource: DataSource, groupId: string): Promise<void> {
  if (!groupId.startsWith(CONSUMER_GROUP_PREFIX)) return;
  const legacy = groupId.slice(CONSUMER_GROUP_PREFIX.length);
  const applied = async (group: string): Promise<boolean> =>
    ((await dataSource.query('SELECT 1 FROM event_inbox WHERE consumer_group = $1 LIMIT 1', [group])) as unknown[]).length > 0;
  if ((await applied(legacy)) && !(await applied(groupId))) {
    throw new ConsumerGroupRenamedError(
      `consumer group "${groupId}" is new here, but its former name "${legacy}" has applied events in this database: ` +
        `starting would apply the whole log again. Either keep the old name (set the service's *_CONSUMER_GROUP=${legacy}), ` +
        `or move the group's committed offsets and inbox to "${groupId}" first (docs/topics/README.md, "Consumer groups").`,
    );
  }
}
