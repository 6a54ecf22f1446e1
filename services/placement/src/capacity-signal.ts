// In-process wake-up for the queue: raised after a commit that freed or added capacity, so queued
// jobs are retried at once. Other instances' frees are picked up by the queue's periodic retry.
import { Injectable } from '@nestjs/common';

@Injectable()
export class CapacitySignal {
  private readonly listeners = new Set<() => void>();

  raise(): void {
    for (const listener of this.listeners) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
