import { type BufferPool, idleKey, sizeClass } from './pool.js';

/**
 * Buffers that only a group's own commands write — its jobs' output buffers, the buffers that taken
 * inputs are copied into out of their arena, inputs made on the GPU (an image's values) and inputs
 * copied from a staging buffer — handed on from job to job while the group is recorded: a
 * job takes the buffers of its size class and usage that the job LAG places before it had, instead of
 * more from the pool. A queue runs a submit's commands in order, each seeing what the ones before it
 * wrote (WebGPU inserts the barriers), so a job's writes into a handed-on buffer come after the copies
 * out of it that the earlier job recorded. Only buffers the commands themselves write may be handed on:
 * queue.writeBuffer writes before any command of the submit runs.
 *
 * Before, every job of a group had buffers of its own, and the pool keeps at most 64 idle: a burst of
 * 1,000 concurrent 64² calls that cannot share a dispatch (divergence, curl, the adjoint, two components
 * each) created 1.94 buffers and a bind group a call, burst after burst (null device; bench/NOTES.md,
 * twelfth session), and held 1,000 jobs' buffers at once.
 */

/**
 * Jobs between two that use one buffer, so that a few consecutive jobs never wait on each other's
 * buffers. Not measured on a GPU: the copies of every job into the one readback buffer are ordered after
 * each other anyway.
 */
const LAG = 4;

export class HandedOn {
  /** Buffers of the last LAG jobs (job j's at j mod LAG), each list refilled. */
  private readonly recent: GPUBuffer[][] = Array.from({ length: LAG }, () => []);
  /** Buffers that the job being recorded may take, by size class and usage; emptied lists are kept. */
  private readonly free = new Map<number, GPUBuffer[]>();
  private job = 0;

  /** A buffer of `size` and `usage` for the job being recorded: one handed on, or one from the pool, then added to `used`. */
  acquire(pool: BufferPool, size: number, usage: number, used: GPUBuffer[]): GPUBuffer {
    let buffer = this.free.get(idleKey(usage, sizeClass(size)))?.pop();
    if (!buffer) {
      buffer = pool.acquire(size, usage);
      used.push(buffer);
    }
    this.recent[this.job % LAG].push(buffer);
    return buffer;
  }

  /** The job being recorded is done; the next may take what the job LAG − 1 before this one had. */
  next(): void {
    this.job++;
    const freed = this.recent[this.job % LAG];
    while (freed.length > 0) {
      const buffer = freed.pop()!;
      const key = idleKey(buffer.usage, buffer.size);
      let list = this.free.get(key);
      if (!list) {
        list = [];
        this.free.set(key, list);
      }
      list.push(buffer);
    }
  }

  /** The group is recorded, or failed: nothing is handed on to the next group (its buffers are the group's `used`). */
  end(): void {
    for (const list of this.recent) while (list.length > 0) list.pop();
    for (const list of this.free.values()) while (list.length > 0) list.pop();
    this.job = 0;
  }
}
