import { GradientError } from '../errors.js';
import { isDetached } from '../typed.js';
import type { HalfArray } from '../types.js';
import type { StridedView } from '../view.js';
import type { BoundBuffer } from './record.js';
import { type AnyJobInput, isTaken } from './upload.js';

/**
 * What the transfer layer runs: a job (one piece of a host call) with its input, where its results go,
 * and the work it records; how its results lie in a group's readback slot; which jobs share a dispatch;
 * and the hooks and counters of the layer.
 */

/** Host arrays that receive results: float32, or float16 halves. */
export type ResultArray = Float32Array | HalfArray;

/** Where one output's results go: a flat array, or a strided view of one (written through its strides). */
export type ResultTarget = ResultArray | StridedView<ResultArray>;

/** The memory a result target writes. */
export function targetMemory(target: ResultTarget): ResultArray {
  return ArrayBuffer.isView(target) ? target : target.data;
}

/**
 * The arrays a call's caller gets: the call's own list of targets where each is an array (fresh results,
 * or `out` without views), which nothing holds once the call settles (64 bytes a call fewer than a copy;
 * bench/NOTES.md, twelfth session); else the memory of each. Host calls and program calls alike.
 */
export function resultArrays(targets: ResultTarget[]): ResultArray[] {
  let arrays = true;
  for (let k = 0; k < targets.length && arrays; k++) arrays = ArrayBuffer.isView(targets[k]);
  return arrays ? (targets as ResultArray[]) : targets.map(targetMemory);
}

/** Result arrays made when results arrive (float32, or the runtime's Float16Array). */
export type FreshResult = new (length: number) => ResultArray;

/** Where a job's results go: `count` elements of each output into `targets[k]` at element `at` (C order). */
export interface JobOutput {
  /** Empty where `fresh` is set: the download fills it. */
  readonly targets: ResultTarget[];
  /**
   * The whole results of a call without `out` (one piece): its arrays are made when the results arrive,
   * rather than when the call is made. Null otherwise.
   */
  readonly fresh: FreshResult | null;
  /** Bytes of one result element on the GPU and in the targets (4 float32, 2 float16). */
  readonly elementBytes: 2 | 4;
  readonly at: number;
  readonly count: number;
  /** GPU output buffers to allocate (bytes each), and where output k sits in them (element offset). */
  readonly buffers: readonly number[];
  readonly places: readonly { readonly buffer: number; readonly offset: number }[];
}

/**
 * The same work on arrays of one size, which consecutive jobs of a group with equal keys share: they are
 * computed by one dispatch over their arrays stacked (concurrent small calls: one dispatch instead of one
 * compute pass each). Only for whole arrays of one component uploaded with writeBuffer, whose size is a
 * multiple of 4 elements and of 16 bytes.
 */
export interface JobBatch {
  /** Jobs with equal keys compute the same plan and operation on arrays of the same type and shape. */
  readonly key: string;
  /** Elements between consecutive outputs in the output buffer of `count` stacked jobs. */
  slab(count: number): number;
  /**
   * Records the work of `count` jobs: `input` holds job j's array at element j·size (from its offset on),
   * and output k of job j goes to element k·slab(count) + j·size of `output`. Returns the temporary
   * buffers it used, or null when it cannot record without waiting (the jobs are then recorded one by one).
   */
  record(encoder: GPUCommandEncoder, input: BoundBuffer, output: GPUBuffer, count: number): GPUBuffer[] | null;
}

export interface Job {
  readonly input: AnyJobInput;
  readonly output: JobOutput;
  /** Present where this job's work can be batched with others' (see JobBatch). */
  readonly batch?: JobBatch;
  /** Called once when the job's group has ended, in success or failure, just before the job's call settles. */
  ended?(): void;
  /**
   * Records the job's GPU work reading `input` and writing `outputs`; returns temporary buffers it used.
   * The `outputs` list is the recorder's, refilled for the next job: read it while `record` runs, keep none of it.
   */
  record(encoder: GPUCommandEncoder, input: GPUBuffer, outputs: readonly GPUBuffer[]): readonly GPUBuffer[];
}

/** A job given to `Transfer.enqueue`: told once, when its group has ended, whether it failed (`error`; undefined: it succeeded). */
export interface QueuedJob extends Job {
  settled(error: unknown): void;
}

/** Cumulative time spent in each phase of host calls (milliseconds), for the benchmark. */
export interface TransferStats {
  /** Groups of jobs sharing one submit. */
  groups: number;
  /** Pieces of host calls. */
  jobs: number;
  /** Dispatch batches: runs of concurrent jobs of the same work computed together. */
  batches: number;
  /** Jobs computed in those batches. */
  batchedJobs: number;
  /** Readback maps awaited. */
  mapRoundTrips: number;
  /** Strided views whose memory went up as it lies and was gathered on the GPU (gather.ts). */
  gpuGathers: number;
  /** Host → staging or writeBuffer (conversion included). */
  uploadMs: number;
  /** Encoding and submitting (allocations included). */
  recordMs: number;
  /** Waiting for the readback map (GPU transfers and kernels, and the round trip). */
  waitMs: number;
  /** Mapped staging → host arrays. */
  downloadMs: number;
}

export interface TransferHooks {
  /** Awaits a device promise, failing as soon as the device is lost. */
  whileAlive<T>(promise: Promise<T>): Promise<T>;
  /** Calls `lost` as soon as the device is lost (Lifecycle.watch). */
  watch(lost: (error: unknown) => void): void;
  /** Throws if the context can no longer be used (destroyed or lost). */
  checkUsable(): void;
  /** Turns a caught error into the one to report (device loss wins). */
  translate(error: unknown): unknown;
  /** Runs a synchronous block inside validation and out-of-memory error scopes; `errors` resolves to the first as a GradientError, or null. */
  scoped<T>(body: () => T): { value: T; errors: Promise<Error | null> };
}

/**
 * Runs of consecutive jobs [first, end) that can share a dispatch (equal batch keys, all `eligible`, each
 * input right after the previous one in its arena); every other job is a run of its own.
 */
export function batchRuns(jobs: readonly Job[], eligible: (i: number) => boolean): [number, number][] {
  const runs: [number, number][] = [];
  const key = (i: number) => (jobs[i].batch && eligible(i) ? jobs[i].batch!.key : null);
  for (let i = 0; i < jobs.length; ) {
    let end = i + 1;
    const k = key(i);
    if (k !== null) while (end < jobs.length && key(end) === k && follows(jobs[end - 1].input, jobs[end].input)) end++;
    runs.push([i, end]);
    i = end;
  }
  return runs;
}

/** Whether a job may join a batch: its input was taken through writeBuffer (so it sits whole in an arena). */
export function batchable(job: Job): boolean {
  return isTaken(job.input) && job.input.arena !== null;
}

/** Whether input `b` lies right after input `a` in the same arena, so that one dispatch reads both where they lie. */
export function follows(a: AnyJobInput, b: AnyJobInput): boolean {
  return isTaken(a) && isTaken(b) && a.arena !== null && a.arena === b.arena && b.offset === a.offset + a.bytes;
}

/** Why a job's results cannot be written (an `out` array detached by its caller), or null. */
export function detachedOutput(output: JobOutput): GradientError | null {
  // A loop, not findIndex with a closure (twice a job); fresh results not made yet are holes.
  const { targets } = output;
  let k = 0;
  while (k < targets.length && !(targets[k] && isDetached(targetMemory(targets[k])))) k++;
  if (k === targets.length) return null;
  return new GradientError(
    'invalid-option',
    `out[${k}]: its ArrayBuffer was detached (transferred) before the results were written into it; keep \`out\` arrays until the call settles`,
  );
}

/** Bytes of one output in the readback slot: mapped ranges start at multiples of 8. */
export function regionBytes(job: Job): number {
  return Math.ceil((job.output.count * job.output.elementBytes) / 16) * 16;
}

/** Bytes rounded up to whole 32-bit words (copies and mapped ranges take no less). */
export function words(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
}

/** One buffer-to-buffer copy of results into the readback buffer (bytes, 4-byte multiples). */
export interface ReadbackCopy {
  /** Index of the output buffer copied from. */
  readonly buffer: number;
  readonly from: number;
  readonly to: number;
  readonly bytes: number;
}

/**
 * The copies that bring a job's outputs into its readback slot (output k at byte positions[k]): one per
 * run of outputs that lie as far apart in their buffer as in the slot (a gradient's stacked outputs,
 * slotPositions), else one each. A merged copy also carries the padding between outputs, which nothing
 * reads. Fewer copies: one instead of two for a 2-D gradient (bench/alloc.mjs counts them).
 */
export function readbackCopies(output: JobOutput, positions: readonly number[]): ReadbackCopy[] {
  const { places, count, elementBytes: eb } = output;
  const tail = words(count * eb);
  // At most one copy an output: made at that length and cut to the copies made (no array grown by push).
  const copies: ReadbackCopy[] = new Array(places.length);
  let made = 0;
  let first = 0;
  for (let k = 1; k <= places.length; k++) {
    const joins =
      k < places.length &&
      places[k].buffer === places[first].buffer &&
      (places[k].offset - places[k - 1].offset) * eb === positions[k] - positions[k - 1] &&
      positions[k] > positions[k - 1];
    if (joins) continue;
    const last = k - 1;
    copies[made++] = {
      buffer: places[first].buffer,
      from: places[first].offset * eb,
      to: positions[first],
      bytes: positions[last] - positions[first] + tail,
    };
    first = k;
  }
  copies.length = made;
  return copies;
}

/**
 * Where each output of a job lands in its readback slot (bytes from the slot's start): as far from output
 * 0 as in their output buffer where they share one at rising offsets 16-byte multiples apart (a gradient's
 * stacked axes: then one copy brings them all, readbackCopies), else a region apart.
 */
export function slotPositions(job: Job): number[] {
  const { places, elementBytes: eb } = job.output;
  const region = regionBytes(job);
  // Loops, not every/map with closures: every call passes here (bench/NOTES.md, garbage per call).
  let asStacked = true;
  for (let k = 1; k < places.length && asStacked; k++) {
    const gap = (places[k].offset - places[k - 1].offset) * eb;
    asStacked = places[k].buffer === places[0].buffer && gap >= region && gap % 16 === 0;
  }
  const slots: number[] = new Array(places.length);
  for (let k = 0; k < places.length; k++) slots[k] = asStacked ? (places[k].offset - places[0].offset) * eb : k * region;
  return slots;
}

/**
 * A job's readback slot, the same for every job whose output has these places, count and element size:
 * where each output lands and the copies that fill it (both in bytes from the slot's start), and the
 * slot's bytes.
 */
export interface SlotLayout {
  readonly count: number;
  readonly elementBytes: number;
  readonly slots: readonly number[];
  readonly bytes: number;
  readonly copies: readonly ReadbackCopy[];
}

/**
 * Slot layouts by output places (a call shape's, kept per plan: host.ts), a few counts each (a streamed
 * call's pieces have at most a few). Made once, not per call: slotPositions and readbackCopies made their
 * arrays and copies about 0.35 KB a sequential call, and `flush` made the positions twice
 * (bench/NOTES.md, eleventh session).
 */
const layouts = new WeakMap<readonly unknown[], SlotLayout[]>();
const LAYOUTS_PER_PLACES = 8;

/** The readback slot of a job's output (SlotLayout), made once per places, count and element size. */
export function slotLayout(job: Job): SlotLayout {
  const { places, count, elementBytes } = job.output;
  let list = layouts.get(places);
  if (!list) {
    list = [];
    layouts.set(places, list);
  }
  for (let i = 0; i < list.length; i++) if (list[i].count === count && list[i].elementBytes === elementBytes) return list[i];
  const slots = slotPositions(job);
  // readbackCopies depends only on the positions' differences: from the slot's start, they hold for any slot.
  const layout: SlotLayout = {
    count,
    elementBytes,
    slots,
    bytes: slots.at(-1)! + regionBytes(job),
    copies: readbackCopies(job.output, slots),
  };
  if (list.length >= LAYOUTS_PER_PLACES) list.shift();
  list.push(layout);
  return layout;
}

/** Bytes of a job's readback slot: its last output's position and region. */
export function resultBytes(job: Job): number {
  return slotLayout(job).bytes;
}
