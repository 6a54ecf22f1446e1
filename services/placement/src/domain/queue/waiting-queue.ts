// The jobs waiting for a provider, per GPU class, in placement order (tier priority, then age,
// then id: see job-queue.ts). Kept beside the registry by PlacementState so a scheduling pass
// walks only the classes where something changed, in order, without sorting.
import btree from 'sorted-btree';
import { PLACED_TIERS } from '../placement-policy.js';
import type { ActiveJob } from '../registry/provider-registry.js';
import { isWaiting, type QueuedJob } from './job-queue.js';

const BTree = btree.default;

interface QueueKey {
  readonly rank: number;
  readonly submittedAtMs: number;
  readonly jobId: string;
}

const inQueueOrder = (a: QueueKey, b: QueueKey): number =>
  a.rank - b.rank || a.submittedAtMs - b.submittedAtMs || (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0);

function keyOf(job: QueuedJob): QueueKey {
  return { rank: PLACED_TIERS.indexOf(job.tier), submittedAtMs: job.submittedAtMs, jobId: job.jobId };
}

export class WaitingQueue {
  private readonly byClass = new Map<string, InstanceType<typeof BTree<QueueKey, QueuedJob>>>();
  private readonly keys = new Map<string, { gpuClass: string; key: QueueKey }>();

  /** Puts the job in (or takes it out of) the queue according to its current record. */
  refresh(jobId: string, job: ActiveJob | undefined): void {
    const before = this.keys.get(jobId);
    if (before !== undefined) {
      this.byClass.get(before.gpuClass)?.delete(before.key);
      this.keys.delete(jobId);
    }
    if (job === undefined || !isWaiting(job)) return;
    const gpuClass = job.spec.gpuClass;
    let tree = this.byClass.get(gpuClass);
    if (tree === undefined) this.byClass.set(gpuClass, (tree = new BTree<QueueKey, QueuedJob>(undefined, inQueueOrder)));
    const key = keyOf(job);
    tree.set(key, job);
    this.keys.set(jobId, { gpuClass, key });
  }

  /** Waiting jobs of a class in placement order; `visit` returning true stops the walk. */
  walk(gpuClass: string, visit: (job: QueuedJob) => boolean | void): void {
    const tree = this.byClass.get(gpuClass);
    if (tree === undefined) return;
    // A cursor, not an iterator: the visitor places jobs, which takes them out of this queue.
    for (let pair = tree.nextHigherPair(undefined); pair !== undefined; pair = tree.nextHigherPair(pair[0])) {
      if (visit(pair[1]) === true) return;
    }
  }

  classes(): IterableIterator<string> {
    return this.byClass.keys();
  }

  get size(): number {
    return this.keys.size;
  }

  sizeOf(gpuClass: string): number {
    return this.byClass.get(gpuClass)?.size ?? 0;
  }
}
