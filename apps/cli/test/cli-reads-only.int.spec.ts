// Replay and explain are reads: on both backends they must leave every consumer group's
// committed offsets, every topic's end offsets and the log's own tables exactly as they were.
// PostgreSQL reads are plain SELECTs. Caveat on Kafka: KafkaJS cannot read without a group, so the
// event-log adapter reads in a throwaway group (switchyard-replay-<uuid>) that never commits and is
// deleted after the read; the test checks no group with members or commits on these topics remains.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS, topicNames, type TopicName } from '@switchyard/contracts';
import { kafkaBrokers, uniqueName } from '@switchyard/testing';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { runSwitchyard } from './cli-process.js';
import { seedLog, type BackendName, type SeededLog } from './seeded-log.js';

describe.each<BackendName>(['postgres', 'kafka'])('switchyard replay and explain on the %s log', (backend) => {
  let seeded: SeededLog;
  const liveGroup = uniqueName('live-group');

  beforeAll(async () => {
    seeded = await seedLog(backend, 150);
    // A live consumer group that has read the jobs topic to its end and committed.
    const topic = topicNames(seeded.prefix).jobs;
    const handle = await seeded.log.consume({ groupId: liveGroup, topics: [topic], fromBeginning: true }, async () => undefined);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const lag = await seeded.log.admin.lag(liveGroup, topic);
      if (lag.every((p) => p.committed !== null && p.lag === 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await handle.stop();
  }, 300_000);

  afterAll(async () => {
    await seeded?.close();
  });

  it('leave no consumer group behind, move no committed offset and write nothing', async () => {
    const before = await snapshot(backend, seeded, liveGroup);
    expect(Object.values(before.committed).flat().length).toBeGreaterThan(0);

    const job = seeded.workload.requeuedJobId!;
    const policyFile = join(await mkdtemp(join(tmpdir(), 'switchyard-cli-')), 'placement.yaml');
    await writeFile(policyFile, 'version: placement-what-if\ntiers: { TIER_BATCH: { weights: { price: 0.9 } } }\n');
    const runs = [
      await runSwitchyard(['replay', 'verify'], seeded.env),
      await runSwitchyard(['replay', 'what-if', '--placement-policy', policyFile, '--from', '0'], seeded.env),
      await runSwitchyard(['explain', job], seeded.env),
      await runSwitchyard(['timeline', job], seeded.env),
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);

    const after = await snapshot(backend, seeded, liveGroup);
    expect(after.ends).toEqual(before.ends);
    expect(after.committed).toEqual(before.committed);
    expect(after.tables).toEqual(before.tables);
    // Kafka: any group that appeared meanwhile (ours are deleted after each read) holds no member
    // and no committed offset on these topics.
    expect(await after.newGroupsWithStateOnOurTopics(before.groups)).toEqual([]);
  }, 600_000);
});

interface Snapshot {
  ends: Record<string, unknown>;
  committed: Record<string, unknown[]>;
  tables: unknown;
  groups: string[];
  newGroupsWithStateOnOurTopics(previous: string[]): Promise<string[]>;
}

async function snapshot(backend: BackendName, seeded: SeededLog, liveGroup: string): Promise<Snapshot> {
  const names = topicNames(seeded.prefix);
  const topics = (Object.keys(TOPICS) as TopicName[]).map((t) => names[t]);
  const ends: Record<string, unknown> = {};
  const committed: Record<string, unknown[]> = {};
  for (const topic of topics) {
    ends[topic] = await seeded.log.admin.endOffsets(topic);
    committed[topic] = await seeded.log.admin.committedOffsets(liveGroup, topic);
  }
  if (backend === 'postgres') {
    const client = new pg.Client({ connectionString: seeded.schema!.url });
    await client.connect();
    try {
      const rows = async (sql: string) => (await client.query(sql)).rows;
      const tables = {
        eventLogRows: await rows('SELECT topic, count(*)::int AS n, max(appended_at) AS last FROM event_log GROUP BY topic ORDER BY topic'),
        partitions: await rows('SELECT * FROM event_log_partitions ORDER BY topic, partition'),
        groupOffsets: await rows('SELECT * FROM event_log_group_offsets ORDER BY group_id, topic, partition'),
        groupMembers: await rows('SELECT group_id, member_id FROM event_log_group_members ORDER BY group_id, member_id'),
      };
      return { ends, committed, tables, groups: [], newGroupsWithStateOnOurTopics: async () => [] };
    } finally {
      await client.end();
    }
  }
  const kafka = new Kafka({ clientId: 'cli-test-groups', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).sort();
  await admin.disconnect();
  return {
    ends,
    committed,
    tables: null,
    groups,
    async newGroupsWithStateOnOurTopics(previous) {
      const fresh = groups.filter((g) => !previous.includes(g));
      const check = kafka.admin();
      await check.connect();
      try {
        const withState: string[] = [];
        for (const groupId of fresh) {
          const offsets = await check.fetchOffsets({ groupId, topics });
          const commits = offsets.flatMap((t) => t.partitions).filter((p) => p.offset !== '-1');
          const described = (await check.describeGroups([groupId])).groups[0];
          const onOurTopics = (described?.members ?? []).length > 0 && described?.protocolType === 'consumer';
          if (commits.length > 0 || onOurTopics) withState.push(groupId);
        }
        return withState;
      } finally {
        await check.disconnect();
      }
    },
  };
}
