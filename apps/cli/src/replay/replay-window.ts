// The decisions recorded in a window of the jobs topic, with the inputs a re-run needs. Read with
// the log's replay read (no consumer group, nothing written).
import type { events } from '@switchyard/contracts';
import type { EventLog, LogPosition } from '@switchyard/event-log';
import { recordsFault, type RecordedOutcome } from '@switchyard/placement/domain';
import { notFound } from '../cli-error.js';
import { decodeEvent } from '../log/decoded-event.js';
import { partitionCount } from '../log/job-history.js';
import type { TopicMap } from '../log/topics.js';
import type { Progress } from '../progress.js';

export interface RecordedClassification {
  readonly jobId: string;
  readonly classified: events.JobClassified;
}

export interface RecordedPlacement {
  readonly jobId: string;
  readonly placed: events.JobPlaced;
}

export interface RecordedFailure {
  readonly jobId: string;
  readonly outcome: RecordedOutcome;
}

export interface ReplayWindow {
  /** JobSubmitted per job: from the window, or looked up before it for decisions whose submission is older. */
  readonly submitted: ReadonlyMap<string, events.JobSubmitted>;
  /** In job id order, then log order: reports list them deterministically. */
  readonly classifications: readonly RecordedClassification[];
  readonly placements: readonly RecordedPlacement[];
  /** Requeues and failures that record a fault, checked against the fault table. */
  readonly failures: readonly RecordedFailure[];
  /** JobQueued decisions: they record rejection counts, not candidates, so they cannot be re-scored. */
  readonly queued: number;
  readonly eventsRead: number;
}

export interface WindowBounds {
  readonly from?: LogPosition;
  readonly to?: LogPosition;
}

export async function readReplayWindow(log: EventLog, topics: TopicMap, bounds: WindowBounds, progress: Progress): Promise<ReplayWindow> {
  const topic = topics.names.jobs;
  if ((await partitionCount(log, topic)) === undefined) {
    throw notFound(`topic ${topic} does not exist (is --topic-prefix "${topics.prefix}" right?)`);
  }
  progress.total(await windowSizeEstimate(log, topic, bounds));
  const submitted = new Map<string, events.JobSubmitted>();
  const classifications: RecordedClassification[] = [];
  const placements: RecordedPlacement[] = [];
  const failures: RecordedFailure[] = [];
  let queued = 0;
  let eventsRead = 0;
  for await (const logged of log.read({ topic, ...bounds })) {
    eventsRead += 1;
    progress.increment();
    const event = decodeEvent(logged, 'jobs');
    if (event.name === 'JobSubmitted' && event.message) submitted.set(logged.key, event.message as events.JobSubmitted);
    else if (event.name === 'JobClassified' && event.message)
      classifications.push({ jobId: logged.key, classified: event.message as events.JobClassified });
    else if (event.name === 'JobPlaced' && event.message) placements.push({ jobId: logged.key, placed: event.message as events.JobPlaced });
    else if (event.name === 'JobQueued') queued += 1;
    else if ((event.name === 'JobRequeued' || event.name === 'JobFailed') && event.message) {
      const outcome = { type: event.name, data: event.message } as RecordedOutcome;
      if (recordsFault(outcome)) failures.push({ jobId: logged.key, outcome });
    }
  }
  const missing = new Set([...classifications, ...placements].map((d) => d.jobId).filter((id) => !submitted.has(id)));
  if (missing.size > 0 && bounds.from !== undefined) {
    // Decisions in the window about jobs submitted before it: their JobSubmitted is earlier in the log.
    for await (const logged of log.read({ topic, to: bounds.from })) {
      if (!missing.has(logged.key)) continue;
      const event = decodeEvent(logged, 'jobs');
      if (event.name === 'JobSubmitted' && event.message) submitted.set(logged.key, event.message as events.JobSubmitted);
    }
  }
  return {
    submitted,
    classifications: stableByJob(classifications, () => 0),
    placements: stableByJob(placements, (p) => p.placed.attempt),
    failures: stableByJob(failures, (f) => f.outcome.data.attempt),
    queued,
    eventsRead,
  };
}

function stableByJob<T extends { jobId: string }>(items: readonly T[], then: (item: T) => number): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => (a.item.jobId < b.item.jobId ? -1 : a.item.jobId > b.item.jobId ? 1 : then(a.item) - then(b.item) || a.index - b.index))
    .map(({ item }) => item);
}

/** Records in the window when bounded by offsets; otherwise the whole topic (an upper bound for the bar). */
async function windowSizeEstimate(log: EventLog, topic: string, bounds: WindowBounds): Promise<number> {
  const ends = await log.admin.endOffsets(topic);
  return ends.reduce((sum, { earliest, end }) => {
    const low = bounds.from && 'offset' in bounds.from ? max(BigInt(bounds.from.offset), BigInt(earliest)) : BigInt(earliest);
    const high = bounds.to && 'offset' in bounds.to ? min(BigInt(bounds.to.offset), BigInt(end)) : BigInt(end);
    return sum + (high > low ? Number(high - low) : 0);
  }, 0);
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);
