// The EventLog contract: every backend runs this same suite against a real server
// (see kafka-event-log.int.spec.ts and postgres-event-log.int.spec.ts).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { uniqueName } from '@switchyard/testing';
import { UpcasterRegistry, type ConsumerHandle, type EventLog, type LoggedEvent, type TopicSpec } from '../../src/index.js';
import { collect, eventually, SAMPLE_TYPE, sampleEvent, sleep } from './fixtures.js';

export interface ContractBackend {
  /** A new, independent client of the same log (a separate process would get the same). */
  open(options?: { upcasters?: UpcasterRegistry }): Promise<EventLog>;
  /** Called once after the suite, after every opened log was closed. */
  dispose?(): Promise<void>;
}

export function eventLogContract(backendName: string, backend: () => Promise<ContractBackend>): void {
  describe(`EventLog contract: ${backendName}`, () => {
    let factory: ContractBackend;
    const opened: EventLog[] = [];
    const handles: ConsumerHandle[] = [];
    const topics: string[] = [];
    let log: EventLog;

    async function open(options?: { upcasters?: UpcasterRegistry }): Promise<EventLog> {
      const instance = await factory.open(options);
      opened.push(instance);
      return instance;
    }

    async function topic(partitions: number, spec: Partial<TopicSpec> = {}): Promise<string> {
      const name = uniqueName('contract');
      await log.admin.createTopics([{ topic: name, partitions, ...spec }]);
      topics.push(name);
      return name;
    }

    async function consumeInto(
      from: EventLog,
      groupId: string,
      topicName: string,
      sink: LoggedEvent[],
      maxBatchSize?: number,
    ): Promise<ConsumerHandle> {
      const handle = await from.consume({ groupId, topics: [topicName], ...(maxBatchSize ? { maxBatchSize } : {}) }, async ({ events }) => {
        sink.push(...events);
      });
      handles.push(handle);
      return handle;
    }

    beforeAll(async () => {
      factory = await backend();
      log = await open();
    });

    afterAll(async () => {
      await Promise.all(handles.map((h) => h.stop()));
      await log.admin.deleteTopics(topics).catch(() => undefined);
      await Promise.all(opened.map((l) => l.close()));
      await factory?.dispose?.();
    });

    it('administers topics: partitions, retention and cleanup policy; creating twice is a no-op', async () => {
      const name = uniqueName('contract-admin');
      topics.push(name);
      const spec = { topic: name, partitions: 3, retentionMs: 3_600_000, cleanupPolicy: 'delete' as const };
      await log.admin.createTopics([spec]);
      await log.admin.createTopics([spec]);
      expect(await log.admin.describeTopic(name)).toEqual(spec);
      expect(await log.admin.endOffsets(name)).toEqual([0, 1, 2].map((partition) => ({ partition, earliest: '0', end: '0' })));
      expect(await log.admin.committedOffsets(uniqueName('nobody'), name)).toEqual([]);
    });

    it('round-trips envelopes: headers intact, key = subject, offsets as appended, committed after the handler', async () => {
      const name = await topic(2);
      const events = [
        sampleEvent(
          'job-1',
          { jobId: 'job-1', gpuSeconds: '9007199254740993' },
          {
            dataschema: 'v2',
            causationId: 'cmd-7',
            correlationId: 'flow-1',
            traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
            tracestate: 'sy=1',
          },
        ),
        sampleEvent('job-2', { jobId: 'job-2' }),
        sampleEvent('job-1', { jobId: 'job-1', step: 2 }),
      ];
      const positions = await log.append(name, events);
      expect(positions).toHaveLength(3);
      expect(positions[2]!.partition).toBe(positions[0]!.partition);
      expect(BigInt(positions[2]!.offset)).toBeGreaterThan(BigInt(positions[0]!.offset));

      const received: LoggedEvent[] = [];
      const groupId = uniqueName('g-roundtrip');
      await consumeInto(await open(), groupId, name, received);
      await eventually(() => expect(received).toHaveLength(3));

      for (const [i, event] of events.entries()) {
        const logged = received.find((r) => r.envelope.id === event.id)!;
        expect(logged.envelope).toEqual(event);
        expect(logged.key).toBe(event.subject);
        expect({ partition: logged.partition, offset: logged.offset }).toEqual(positions[i]);
        expect(logged.appendedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
      }
      const ends = await log.admin.endOffsets(name);
      await eventually(async () =>
        expect(await log.admin.committedOffsets(groupId, name)).toEqual(
          ends.filter((e) => e.end !== '0').map(({ partition, end }) => ({ partition, offset: end })),
        ),
      );
      expect((await log.admin.lag(groupId, name)).map((l) => l.lag)).toEqual([0, 0]);
    });

    it('keeps per-key order across several partitions and two members of one group', async () => {
      const name = await topic(4);
      const groupId = uniqueName('g-order');
      const received: LoggedEvent[] = [];
      const members = [
        await consumeInto(await open(), groupId, name, received, 3),
        await consumeInto(await open(), groupId, name, received, 3),
      ];
      // Both members own a disjoint share covering every partition before the first append.
      await eventually(() => {
        const owned = members.flatMap((m) => [...(m.assignment().get(name) ?? [])]);
        expect(owned.sort()).toEqual([0, 1, 2, 3]);
        for (const m of members) expect(m.assignment().get(name)?.length ?? 0).toBeGreaterThan(0);
      }, 30_000);

      const keys = Array.from({ length: 10 }, (_, k) => `job-${k}`);
      const perKey = 6;
      for (let seq = 0; seq < perKey; seq += 2) {
        // Interleave keys inside each append; several appends in a row.
        await log.append(
          name,
          keys.flatMap((key) => [seq, seq + 1].map((s) => sampleEvent(key, { seq: s }))),
        );
      }
      await eventually(() => expect(received).toHaveLength(keys.length * perKey), 30_000);
      for (const key of keys) {
        const seqs = received.filter((e) => e.key === key).map((e) => (e.envelope.data as { seq: number }).seq);
        expect([key, seqs]).toEqual([key, [0, 1, 2, 3, 4, 5]]);
      }
      const partitionsSeen = new Set(received.map((e) => e.partition));
      expect(partitionsSeen.size).toBeGreaterThan(1);
    });

    it('reads a range by offset: exactly [from, to) on each selected partition', async () => {
      const name = await topic(2);
      const keyOn = async (partition: number): Promise<string> => {
        for (let i = 0; ; i++) {
          const [position] = await log.append(name, [sampleEvent(`probe-${i}`, { probe: true })]);
          if (position!.partition === partition) return `probe-${i}`;
        }
      };
      const key = await keyOn(0);
      const ends = await log.admin.endOffsets(name);
      const base = BigInt(ends[0]!.end);
      await log.append(
        name,
        Array.from({ length: 6 }, (_, seq) => sampleEvent(key, { seq })),
      );

      const window = await collect(
        log.read({ topic: name, partitions: [0], from: { offset: (base + 2n).toString() }, to: { offset: (base + 5n).toString() } }),
      );
      expect(window.map((e) => [e.partition, e.offset, (e.envelope.data as { seq: number }).seq])).toEqual([
        [0, (base + 2n).toString(), 2],
        [0, (base + 3n).toString(), 3],
        [0, (base + 4n).toString(), 4],
      ]);
      const whole = await collect(log.read({ topic: name }));
      const total = (await log.admin.endOffsets(name)).reduce((sum, e) => sum + Number(e.end), 0);
      expect(whole).toHaveLength(total);
      expect(await collect(log.read({ topic: name, from: { offset: '1000000' } }))).toEqual([]);
    });

    it('reads a partition larger than one fetch whole and in order (a chaos run or replay of thousands of jobs)', async () => {
      // 3 MB on one partition: Kafka fetches at most 1 MB of a partition per request, so the read
      // must move its fetch position batch after batch.
      const name = await topic(1);
      const padding = 'p'.repeat(1000);
      const count = 3000;
      for (let start = 0; start < count; start += 500) {
        await log.append(
          name,
          Array.from({ length: 500 }, (_, i) => sampleEvent('one-key', { seq: start + i, padding })),
        );
      }
      const read = await collect(log.read({ topic: name }));
      expect(read).toHaveLength(count);
      expect(read.map((e) => (e.envelope.data as { seq: number }).seq)).toEqual(Array.from({ length: count }, (_, i) => i));
    }, 60_000);

    it('ends a read the reader leaves early, promptly, and can read again after it', async () => {
      const name = await topic(2);
      await log.append(
        name,
        Array.from({ length: 400 }, (_, seq) => sampleEvent(`key-${seq % 7}`, { seq })),
      );
      const taken: number[] = [];
      for await (const event of log.read({ topic: name })) {
        taken.push((event.envelope.data as { seq: number }).seq);
        if (taken.length === 3) break;
      }
      expect(taken).toHaveLength(3);
      expect(await collect(log.read({ topic: name }))).toHaveLength(400);
    });

    it('reads a range bounded per partition: each partition from and to its own offset', async () => {
      const name = await topic(3);
      await log.append(
        name,
        Array.from({ length: 30 }, (_, seq) => sampleEvent(`key-${seq % 10}`, { seq })),
      );
      const snapshot = await log.admin.endOffsets(name);
      await log.append(
        name,
        Array.from({ length: 30 }, (_, seq) => sampleEvent(`key-${seq % 10}`, { seq: 30 + seq })),
      );
      const middle = await log.admin.endOffsets(name);
      await log.append(
        name,
        Array.from({ length: 30 }, (_, seq) => sampleEvent(`key-${seq % 10}`, { seq: 60 + seq })),
      );

      // From where each partition ended at the snapshot to where it ended in the middle, skipping
      // partition 1's first two events there; partition 2 has no upper bound of its own.
      const from = Object.fromEntries(snapshot.map((p) => [p.partition, (BigInt(p.end) + (p.partition === 1 ? 2n : 0n)).toString()]));
      const to = Object.fromEntries(middle.filter((p) => p.partition !== 2).map((p) => [p.partition, p.end]));
      const window = await collect(log.read({ topic: name, from: { offsets: from }, to: { offsets: to } }));
      const seqs = (partition: number) =>
        window.filter((e) => e.partition === partition).map((e) => (e.envelope.data as { seq: number }).seq);
      const all = await collect(log.read({ topic: name }));
      const expected = (partition: number, low: string, high: string | undefined) =>
        all
          .filter(
            (e) => e.partition === partition && BigInt(e.offset) >= BigInt(low) && (high === undefined || BigInt(e.offset) < BigInt(high)),
          )
          .map((e) => (e.envelope.data as { seq: number }).seq);
      for (const partition of [0, 1, 2]) expect(seqs(partition)).toEqual(expected(partition, from[partition]!, to[partition]));
      // Partition 0 is bounded on both sides: only the middle append; partition 2 runs to the end.
      expect(seqs(0).every((seq) => seq >= 30 && seq < 60)).toBe(true);
      expect(seqs(2)).toEqual(
        all
          .filter((e) => e.partition === 2 && (e.envelope.data as { seq: number }).seq >= 30)
          .map((e) => (e.envelope.data as { seq: number }).seq),
      );
      expect(window.length).toBeGreaterThan(20);
    });

    it('reads a range by time: exactly the events appended inside the window', async () => {
      const name = await topic(3);
      const keys = ['job-a', 'job-b', 'job-c', 'job-d'];
      const batch = (phase: string) => keys.map((key) => sampleEvent(key, { phase }));
      await log.append(name, batch('before'));
      await sleep(60);
      const from = new Date();
      await sleep(60);
      const inside = [...(await log.append(name, batch('inside'))), ...(await log.append(name, batch('inside')))];
      await sleep(60);
      const to = new Date();
      await sleep(60);
      await log.append(name, batch('after'));

      const window = await collect(log.read({ topic: name, from: { time: from }, to: { time: to } }));
      expect(window.map((e) => (e.envelope.data as { phase: string }).phase)).toEqual(Array(8).fill('inside'));
      const key = (p: { partition: number; offset: string }) => `${p.partition}/${p.offset}`;
      expect(window.map(key).sort()).toEqual(inside.map(key).sort());
      const open = await collect(log.read({ topic: name, from: { time: to } }));
      expect(open.map((e) => (e.envelope.data as { phase: string }).phase)).toEqual(Array(4).fill('after'));
    });

    it("replay reads leave every consumer group's committed offsets unchanged", async () => {
      const name = await topic(2);
      await log.append(
        name,
        Array.from({ length: 8 }, (_, i) => sampleEvent(`job-${i % 4}`, { i })),
      );
      const groupId = uniqueName('g-live');
      const received: LoggedEvent[] = [];
      const member = await consumeInto(await open(), groupId, name, received);
      await eventually(() => expect(received).toHaveLength(8));
      await member.stop();
      await log.append(
        name,
        Array.from({ length: 4 }, (_, i) => sampleEvent(`job-${i}`, { later: i })),
      );
      const before = await log.admin.committedOffsets(groupId, name);
      expect(before.length).toBeGreaterThan(0);

      expect(await collect(log.read({ topic: name }))).toHaveLength(12);
      expect(await collect(log.read({ topic: name, from: { offset: '1' }, to: { time: new Date() } }))).toHaveLength(10);

      expect(await log.admin.committedOffsets(groupId, name)).toEqual(before);
      expect((await log.admin.lag(groupId, name)).reduce((sum, l) => sum + l.lag, 0)).toBe(4);
    });

    it('redelivers a batch whose handler rejected and commits nothing past it', async () => {
      const name = await topic(1);
      await log.append(name, [sampleEvent('job-x', { n: 1 }), sampleEvent('job-x', { n: 2 })]);
      const groupId = uniqueName('g-retry');
      let attempts = 0;
      const delivered: number[] = [];
      const member = await (
        await open()
      ).consume({ groupId, topics: [name] }, async ({ events }) => {
        attempts++;
        if (attempts === 1) {
          // The group must not have moved while this batch is unhandled.
          throw new Error('handler failed');
        }
        delivered.push(...events.map((e) => (e.envelope.data as { n: number }).n));
      });
      handles.push(member);
      await eventually(() => expect(delivered).toEqual([1, 2]));
      expect(attempts).toBeGreaterThanOrEqual(2);
      await eventually(async () => expect(await log.admin.committedOffsets(groupId, name)).toEqual([{ partition: 0, offset: '2' }]));
    });

    it('upcasts old payload shapes on consume and on read', async () => {
      const upcasters = new UpcasterRegistry([
        {
          type: SAMPLE_TYPE,
          from: undefined,
          to: 'v2',
          upcast: (data) => {
            const { gpu, ...rest } = data as { gpu: string };
            return { ...rest, gpuClass: gpu };
          },
        },
      ]);
      const reader = await open({ upcasters });
      const name = await topic(1);
      await log.append(name, [sampleEvent('prov-1', { gpu: 'A100' }), sampleEvent('prov-1', { gpuClass: 'H100' }, { dataschema: 'v2' })]);

      const read = await collect(reader.read({ topic: name }));
      expect(read.map((e) => [e.envelope.dataschema, e.envelope.data])).toEqual([
        ['v2', { gpuClass: 'A100' }],
        ['v2', { gpuClass: 'H100' }],
      ]);
      const consumed: LoggedEvent[] = [];
      await consumeInto(reader, uniqueName('g-upcast'), name, consumed);
      await eventually(() => expect(consumed.map((e) => e.envelope.data)).toEqual([{ gpuClass: 'A100' }, { gpuClass: 'H100' }]));
    });
  });
}
