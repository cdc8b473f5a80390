import { GradientError } from '../errors.js';
import { isDetached } from '../typed.js';
import type { HalfArray } from '../types.js';
import { dawnTask } from './device.js';
import { BufferUsage, MapMode } from './flags.js';
import { type BufferPool, sizeClass } from './pool.js';
import {
  type AnyJobInput,
  inputBytes,
  isGpuInput,
  isTaken,
  type JobInput,
  type StagingSlot,
  type TakenInput,
  unreadableInput,
  WRITE_BUFFER_MAX,
  writeInput,
} from './upload.js';

/**
 * Host arrays ↔ GPU for one context. A host call is cut into pieces (dispatch.ts, planPieces); each piece
 * is a job: its input window goes up, its work is recorded, its outputs come back into host arrays.
 * Jobs queued in the same turn of the event loop (concurrent calls, or the first pieces of a streamed
 * one) share one command buffer, one submit and one map round trip ("group commit"), up to `chunkBytes`
 * of results per group.
 *
 * - A one-piece call's input is taken while the call is made (`take`), so that the caller may refill its
 *   arrays as soon as the call returns: written with queue.writeBuffer, which copies at once, or into a
 *   staging slot that is mapped right then; a streamed call's pieces are written when their group is
 *   recorded. Either way, inputs go up with queue.writeBuffer up to WRITE_BUFFER_MAX bytes (and always in
 *   engines that resolve maps only at a poll, Firefox); larger ones through a MAP_WRITE staging slot that
 *   is mapped again as soon as its copy is submitted, so the next call finds it mapped and waits for no
 *   round trip (a taken input finds no mapped slot free when three large calls are in flight, and then
 *   goes through writeBuffer). Staging
 *   beat writeBuffer for large uploads through Dawn (256 MiB: 46 ms on an H100 and 32 ms on an H200,
 *   against 280 / 89 ms for writeBuffer and 244 / 103 ms for a new mappedAtCreation buffer;
 *   bench/results/*-run{6,7}-gpu.json).
 * - Results come back through MAP_READ staging slots: one map per group.
 * - Staging slots live in a ring per direction (RING_SLOTS each), owned here and independent of the
 *   buffer pool's cap: once warm, no call creates mappable buffers, and a slot never exceeds what one
 *   group moves.
 * - Where maps resolve only at the engine's poll (Firefox: ~100 ms), an empty command buffer is submitted
 *   every millisecond while a map is pending (a bare round trip: 101 → 5-6 ms, and 1 ms in our latency
 *   bench).
 */

const RING_SLOTS = 3;
const NO_ERRORS: Promise<Error | null> = Promise.resolve(null);
/** Input buffers: a batch copies taken inputs out of theirs into one stacked buffer. */
const INPUT_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;
/** Mapped ranges are viewed in runs of this size: Dawn's Node binding cannot view 2 GiB of a mapping at once. */
const RUN_BYTES = 256 * 2 ** 20;

export type { GpuJobInput, JobInput } from './upload.js';

/** Host arrays that receive results: float32, or float16 halves. */
export type ResultArray = Float32Array | HalfArray;

/** Where a job's results go: `count` elements of each output into `targets[k]` at element `at`. */
export interface JobOutput {
  readonly targets: readonly ResultArray[];
  /** Bytes of one result element on the GPU and in the targets (4 float32, 2 float16). */
  readonly elementBytes: 2 | 4;
  readonly at: number;
  readonly count: number;
  /** GPU output buffers to allocate (bytes each), and where output k sits in them (element offset). */
  readonly buffers: readonly number[];
  readonly slots: readonly { readonly buffer: number; readonly offset: number }[];
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
   * Records the work of `count` jobs: `input` holds job j's array at element j·size, and output k of job j
   * goes to element k·slab(count) + j·size of `output`. Returns the temporary buffers it used, or null
   * when it cannot record without waiting (the jobs are then recorded one by one).
   */
  record(encoder: GPUCommandEncoder, input: GPUBuffer, output: GPUBuffer, count: number): GPUBuffer[] | null;
}

export interface Job {
  readonly input: AnyJobInput;
  readonly output: JobOutput;
  /** Present where this job's work can be batched with others' (see JobBatch). */
  readonly batch?: JobBatch;
  /** Records the job's GPU work reading `input` and writing `outputs`; returns temporary buffers it used. */
  record(encoder: GPUCommandEncoder, input: GPUBuffer, outputs: readonly GPUBuffer[]): GPUBuffer[];
}

interface Slot extends StagingSlot {
  buffer: GPUBuffer;
  busy: boolean;
  /** Upload slots: mapped for writing now (the last re-map has resolved). */
  mapped: boolean;
  ready: Promise<void>;
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
  /** Throws if the context can no longer be used (destroyed or lost). */
  checkUsable(): void;
  /** Turns a caught error into the one to report (device loss wins). */
  translate(error: unknown): unknown;
  /** Runs a synchronous block inside validation and out-of-memory error scopes; `errors` resolves to the first as a GradientError, or null. */
  scoped<T>(body: () => T): { value: T; errors: Promise<Error | null> };
}

export class Transfer {
  private readonly uploads: Slot[] = [];
  private readonly readbacks: Slot[] = [];
  private readonly slotWaiters: (() => void)[] = [];
  private queue: { job: Job; done: (error?: unknown) => void }[] = [];
  private flushScheduled = false;
  private scratch = new ArrayBuffer(0);
  private pendingMaps = 0;
  /** Groups take their upload slots one group at a time, so two groups never hold part of the ring each and wait for the rest. */
  private uploadTurn: Promise<void> = Promise.resolve();
  private poker: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  readonly stats: TransferStats = {
    groups: 0,
    jobs: 0,
    batches: 0,
    batchedJobs: 0,
    mapRoundTrips: 0,
    uploadMs: 0,
    recordMs: 0,
    waitMs: 0,
    downloadMs: 0,
  };

  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
    private readonly hooks: TransferHooks,
    private readonly options: { chunkBytes: number; pollingMaps: boolean },
  ) {}

  /** Runs a job; resolves once its results are in its target arrays. */
  run(job: Job): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // Later in this turn: every call that reaches this point meanwhile joins the same group.
        queueMicrotask(() => this.flush());
      }
    });
  }

  /** Bytes held in staging slots (for stats). */
  stagingBytes(): number {
    return [...this.uploads, ...this.readbacks].reduce((sum, s) => sum + s.buffer.size, 0);
  }

  /** Destroys the staging slots; slots still in use are destroyed when their job ends. */
  destroy(forgetOnly = false): void {
    this.closed = true;
    for (const slot of [...this.uploads, ...this.readbacks]) if (!slot.busy && !forgetOnly) slot.buffer.destroy();
    this.uploads.length = 0;
    this.readbacks.length = 0;
    this.stopPoking();
    this.wakeWaiters(); // they find the transfer closed and fail
  }

  private flush(): void {
    this.flushScheduled = false;
    const queued = this.queue;
    this.queue = [];
    // Groups of at most chunkBytes of results (a larger job alone) and at most RING_SLOTS staged uploads.
    let group: typeof queued = [],
      bytes = 0,
      staged = 0;
    for (const entry of queued) {
      const size = resultBytes(entry.job),
        stages = this.viaStaging(entry.job) ? 1 : 0; // taken inputs hold their slot already
      if (group.length > 0 && (bytes + size > this.options.chunkBytes || staged + stages > RING_SLOTS)) {
        void this.runGroup(group);
        group = [];
        bytes = 0;
        staged = 0;
      }
      group.push(entry);
      bytes += size;
      staged += stages;
    }
    if (group.length > 0) void this.runGroup(group);
  }

  private async runGroup(group: { job: Job; done: (error?: unknown) => void }[]): Promise<void> {
    const used: GPUBuffer[] = [];
    let readback: Slot | null = null;
    const staged: Slot[] = [];
    // Staging slots that taken inputs were written into: copied from by this group's commands.
    const takenSlots = group.flatMap(({ job }) => (isTaken(job.input) && job.input.staging ? [job.input.staging as Slot] : []));
    for (const { job } of group) if (isTaken(job.input)) used.push(job.input.buffer);
    const outcomes: (unknown | undefined)[] = group.map(() => undefined);
    let submitted = false;
    try {
      this.hooks.checkUsable();
      const jobs = group.map((g) => g.job);
      const offsets: number[] = [];
      let total = 0;
      for (const job of jobs) {
        offsets.push(total);
        total += resultBytes(job);
      }
      readback = await this.acquire(this.readbacks, total, BufferUsage.MAP_READ | BufferUsage.COPY_DST, false);
      const viaStaging = jobs.map((job) => this.viaStaging(job));
      if (viaStaging.some(Boolean)) {
        const previous = this.uploadTurn;
        let done = () => {};
        this.uploadTurn = new Promise<void>((resolve) => {
          done = resolve;
        });
        try {
          await previous;
          for (let i = 0; i < jobs.length; i++) {
            if (viaStaging[i])
              staged[i] = await this.acquire(this.uploads, inputBytes(jobs[i].input), BufferUsage.MAP_WRITE | BufferUsage.COPY_SRC, true);
          }
        } finally {
          done();
        }
      }
      this.hooks.checkUsable();
      // A job whose caller detached its arrays meanwhile fails alone; the others go on (nothing awaits
      // from here to the submit, so what is readable now is read).
      jobs.forEach((job, i) => {
        outcomes[i] = unreadableInput(job.input) ?? detachedOutput(job.output) ?? undefined;
      });
      const live = (i: number) => outcomes[i] === undefined;

      const t0 = performance.now();
      let uploadMs = 0;
      // Where output k of job i lands in the readback slot (a batch lays its jobs' outputs out by output).
      const positions = jobs.map((job, i) => job.output.slots.map((_, k) => offsets[i] + k * regionBytes(job)));
      const recordJob = (encoder: GPUCommandEncoder, i: number) => {
        const job = jobs[i];
        const bytes = inputBytes(job.input);
        const u0 = performance.now();
        let input: GPUBuffer;
        if (isTaken(job.input)) {
          input = job.input.buffer;
          if (job.input.staging) encoder.copyBufferToBuffer(job.input.staging.buffer, 0, input, 0, bytes);
        } else {
          input = this.pool.acquire(bytes, INPUT_USAGE);
          used.push(input);
          if (isGpuInput(job.input)) {
            used.push(...job.input.record(encoder, input));
          } else if (viaStaging[i]) {
            const slot = staged[i];
            writeInput(job.input, (byteOffset, view) => copyIntoMapped(slot.buffer, byteOffset, view), this.scratchOf.bind(this));
            slot.buffer.unmap();
            slot.mapped = false;
            encoder.copyBufferToBuffer(slot.buffer, 0, input, 0, bytes);
          } else {
            writeInput(job.input, (byteOffset, view) => this.device.queue.writeBuffer(input, byteOffset, view), this.scratchOf.bind(this));
          }
        }
        uploadMs += performance.now() - u0;
        const outputs = job.output.buffers.map((size) => this.pool.acquire(size, BufferUsage.STORAGE | BufferUsage.COPY_SRC));
        used.push(...outputs);
        used.push(...job.record(encoder, input, outputs));
        const { slots, count, elementBytes: eb } = job.output;
        slots.forEach((slot, k) =>
          encoder.copyBufferToBuffer(outputs[slot.buffer], slot.offset * eb, readback!.buffer, positions[i][k], words(count * eb)),
        );
      };
      // `count` jobs from `first` (inputs taken with writeBuffer) in one dispatch over their stacked
      // arrays, each copied into place on the GPU; false when it cannot record now.
      const recordBatch = (encoder: GPUCommandEncoder, first: number, count: number): boolean => {
        const job = jobs[first];
        const batch = job.batch!;
        const size = job.output.count;
        const eb = job.output.elementBytes;
        const inBytes = inputBytes(job.input);
        const slab = batch.slab(count);
        const input = this.pool.acquire(count * inBytes, INPUT_USAGE);
        const output = this.pool.acquire(job.output.slots.length * slab * eb, BufferUsage.STORAGE | BufferUsage.COPY_SRC);
        for (let j = 0; j < count; j++)
          encoder.copyBufferToBuffer((jobs[first + j].input as TakenInput).buffer, 0, input, j * inBytes, inBytes);
        const temps = batch.record(encoder, input, output, count);
        if (!temps) {
          // The copies above stay recorded, harmlessly: the jobs are then recorded one by one.
          used.push(input);
          this.pool.release(output);
          return false;
        }
        used.push(input, output, ...temps);
        job.output.slots.forEach((_, k) => {
          const at = offsets[first] + k * count * size * eb;
          encoder.copyBufferToBuffer(output, k * slab * eb, readback!.buffer, at, count * size * eb);
          for (let j = 0; j < count; j++) positions[first + j][k] = at + j * size * eb;
        });
        this.stats.batches++;
        this.stats.batchedJobs += count;
        return true;
      };
      // Everything from allocation to submit in one synchronous block inside the error scopes.
      const { errors } = this.hooks.scoped(() => {
        const encoder = this.device.createCommandEncoder({ label: 'webgpu-gradient' });
        for (const [first, end] of batchRuns(jobs, (i) => live(i) && batchable(jobs[i]))) {
          if (end - first > 1 && recordBatch(encoder, first, end - first)) continue;
          for (let i = first; i < end; i++) if (live(i)) recordJob(encoder, i);
        }
        this.device.queue.submit([encoder.finish()]);
      });
      submitted = true;
      this.stats.uploadMs += uploadMs;
      this.stats.recordMs += performance.now() - t0 - uploadMs;
      // The staging slots are mapped again right away: the map resolves once the copies above are done.
      for (const slot of [...staged, ...takenSlots]) if (slot) this.remap(slot);

      const t1 = performance.now();
      // The error scopes first, then the map: in headless Chromium a map requested before the scopes had
      // resolved made a 64² call take 2.7 ms instead of 1.0 ms; Node, Deno and Firefox ran the same
      // either way (bench/latency.mjs, bench/NOTES.md).
      const takenErrors = await Promise.all(jobs.map((job) => (isTaken(job.input) ? job.input.errors : null)));
      const scopeError = (await this.hooks.whileAlive(errors)) ?? takenErrors.find((e) => e);
      if (scopeError) throw scopeError;
      const mapError = await this.waitForMap(readback.buffer.mapAsync(MapMode.READ, 0, total)).then(
        () => null,
        (e: unknown) => e ?? new Error('map failed'),
      );
      this.stats.waitMs += performance.now() - t1;
      if (mapError) throw mapError;

      const t2 = performance.now();
      jobs.forEach((job, i) => {
        // An `out` array detached while the work ran fails its own call only.
        outcomes[i] ??= detachedOutput(job.output) ?? undefined;
        if (live(i)) this.download(job.output, readback!.buffer, positions[i]);
      });
      readback.buffer.unmap();
      this.stats.downloadMs += performance.now() - t2;
      this.stats.groups++;
      this.stats.jobs += jobs.length;
      this.stats.mapRoundTrips++;
      this.releaseSlot(readback);
      readback = null;
      for (const b of used) this.pool.release(b);
      group.forEach((g, i) => g.done(outcomes[i]));
    } catch (error) {
      // Buffers of work that failed half-way may still be in use: destroy rather than pool them.
      for (const b of used) this.pool.destroy(b);
      if (readback) this.dropSlot(this.readbacks, readback);
      if (!submitted) for (const slot of [...staged, ...takenSlots]) if (slot) this.dropSlot(this.uploads, slot);
      const reported = this.hooks.translate(error);
      group.forEach((g, i) => g.done(outcomes[i] ?? reported));
    }
  }

  /** Copies one job's results from the mapped readback slot (output k at byte positions[k]) into its target arrays. */
  private download(output: JobOutput, mapped: GPUBuffer, positions: readonly number[]): void {
    const { targets, at, count, elementBytes: eb } = output;
    const View = eb === 4 ? Float32Array : Uint16Array; // float16 results as the bits of their halves
    targets.forEach((target, k) => {
      // The target's memory through this realm's view: arrays of another realm and subclasses alike.
      const into = new View(target.buffer as ArrayBuffer, target.byteOffset, target.length);
      // Mapped ranges are whole words: an odd count of halves ends in a padded one.
      forRuns(count * eb, (from, n) => into.set(new View(mapped.getMappedRange(positions[k] + from, words(n)), 0, n / eb), at + from / eb));
    });
  }

  /**
   * Takes a one-piece call's input now, while the call is being made: written with queue.writeBuffer
   * (which copies at once), or into an upload slot that is mapped now (large inputs), to be copied on
   * the GPU when its group is recorded. The job then owns the buffers; `discard` frees them if the call
   * fails before it runs.
   */
  take(input: JobInput): TakenInput {
    this.hooks.checkUsable();
    const t0 = performance.now();
    const bytes = inputBytes(input);
    const stages = this.stagesUpload(bytes);
    let buffer = this.pool.reuse(bytes, INPUT_USAGE);
    let staging = stages ? this.readySlot(bytes) : null;
    const write = () => {
      buffer ??= this.pool.create(bytes, INPUT_USAGE);
      if (stages && !staging) staging = this.newMappedSlot(bytes);
      const into = buffer;
      const slot = staging;
      if (slot) {
        writeInput(input, (byteOffset, view) => copyIntoMapped(slot.buffer, byteOffset, view), this.scratchOf.bind(this));
        slot.buffer.unmap();
        slot.mapped = false;
      } else {
        writeInput(input, (byteOffset, view) => this.device.queue.writeBuffer(into, byteOffset, view), this.scratchOf.bind(this));
      }
    };
    // A call that allocates writes inside error scopes (out of memory → gpu-error, and the writes into
    // what failed to allocate stay captured too). One that reuses a pooled buffer and a mapped slot
    // cannot fail validation, and skips them: a scope pair per call made a 64² call's upload phase
    // 0.02 → 0.06-0.08 ms in Node on SwiftShader (bench/latency.mjs).
    let errors = NO_ERRORS;
    if (!buffer || (stages && !staging)) errors = this.hooks.scoped(write).errors;
    else write();
    this.stats.uploadMs += performance.now() - t0;
    return { taken: true, bytes, buffer: buffer!, staging, errors };
  }

  /** Frees a taken input whose call failed before its job ran. */
  discard(input: TakenInput): void {
    this.pool.release(input.buffer);
    if (input.staging) this.remap(input.staging as Slot);
  }

  /** A free upload slot of at least `bytes` that is mapped now, marked busy; null when there is none. */
  private readySlot(bytes: number): Slot | null {
    if (this.closed) return null;
    const size = sizeClass(bytes);
    const ready = this.uploads.filter((s) => !s.busy && s.mapped && s.buffer.size >= size).sort((a, b) => a.buffer.size - b.buffer.size)[0];
    if (ready) ready.busy = true;
    return ready ?? null;
  }

  /**
   * A new upload slot of at least `bytes`, created mapped and marked busy, where the ring has room or a
   * free slot too small to keep; null when every slot is busy (or mapping again, and big enough).
   */
  private newMappedSlot(bytes: number): Slot | null {
    if (this.closed) return null;
    const size = sizeClass(bytes);
    if (this.uploads.length >= RING_SLOTS) {
      const small = this.uploads.filter((s) => !s.busy && s.buffer.size < size).sort((a, b) => a.buffer.size - b.buffer.size)[0];
      if (!small) return null;
      this.dropSlot(this.uploads, small, false);
    }
    const usage = BufferUsage.MAP_WRITE | BufferUsage.COPY_SRC;
    const buffer = this.device.createBuffer({ label: 'webgpu-gradient staging', size, usage, mappedAtCreation: true });
    const slot: Slot = { buffer, busy: true, mapped: true, ready: Promise.resolve() };
    this.uploads.push(slot);
    return slot;
  }

  /** Whether a job's input is written into a staging slot when its group is recorded (streamed pieces). */
  private viaStaging(job: Job): boolean {
    return !isGpuInput(job.input) && !isTaken(job.input) && this.stagesUpload(inputBytes(job.input));
  }

  /** Whether an input of `bytes` goes up through a staging slot rather than queue.writeBuffer. */
  private stagesUpload(bytes: number): boolean {
    return !this.options.pollingMaps && bytes > WRITE_BUFFER_MAX;
  }

  /** A free slot of at least `bytes` from `ring` (waiting for one while all are busy), marked busy. */
  private async acquire(ring: Slot[], bytes: number, usage: number, mapped: boolean): Promise<Slot> {
    const size = sizeClass(bytes);
    for (;;) {
      if (this.closed) this.hooks.checkUsable();
      const free = ring.filter((s) => !s.busy);
      const fits = free.filter((s) => s.buffer.size >= size).sort((a, b) => a.buffer.size - b.buffer.size)[0];
      const slot = fits;
      if (!slot && (ring.length < RING_SLOTS || free.length > 0)) {
        // A new slot, or one replacing the smallest free slot (too small for this job); it joins the ring
        // before any await, so concurrent acquirers never grow the ring past RING_SLOTS.
        const old = ring.length < RING_SLOTS ? null : free.sort((a, b) => a.buffer.size - b.buffer.size)[0];
        if (old) this.dropSlot(ring, old, false);
        const { slot: created, errors } = this.newSlot(size, usage, mapped);
        created.busy = true;
        ring.push(created);
        const error = await errors;
        if (error) {
          this.dropSlot(ring, created);
          throw error;
        }
        return created;
      }
      if (slot) {
        slot.busy = true;
        await this.hooks.whileAlive(slot.ready);
        return slot;
      }
      await new Promise<void>((wake) => this.slotWaiters.push(wake));
    }
  }

  /** A new staging buffer, allocated inside the error scopes (`errors`: out of memory → gpu-error). */
  private newSlot(size: number, usage: number, mapped: boolean): { slot: Slot; errors: Promise<Error | null> } {
    // A new upload slot is created mapped: no round trip before its first use.
    const { value: buffer, errors } = this.hooks.scoped(() =>
      this.device.createBuffer({ label: 'webgpu-gradient staging', size, usage, mappedAtCreation: mapped }),
    );
    return { slot: { buffer, busy: false, mapped, ready: Promise.resolve() }, errors };
  }

  private remap(slot: Slot): void {
    slot.ready = this.waitForMap(slot.buffer.mapAsync(MapMode.WRITE)).then(
      () => {
        slot.mapped = true;
      },
      () => {
        // A failed re-map (device lost or destroyed) leaves the slot unusable: drop it.
        this.dropSlot(this.uploads, slot);
      },
    );
    this.releaseSlot(slot);
  }

  private releaseSlot(slot: Slot): void {
    slot.busy = false;
    if (this.closed) slot.buffer.destroy();
    this.wakeWaiters();
  }

  /**
   * Every waiter checks again: they wait on either ring, so waking only one could wake a waiter for the
   * other ring and leave the right one asleep for good (seen as a hang with seven concurrent staged calls).
   */
  private wakeWaiters(): void {
    for (const wake of this.slotWaiters.splice(0)) wake();
  }

  private dropSlot(ring: Slot[], slot: Slot, wake = true): void {
    const i = ring.indexOf(slot);
    if (i >= 0) ring.splice(i, 1);
    slot.buffer.destroy();
    if (wake) this.wakeWaiters();
  }

  private scratchOf(bytes: number): ArrayBuffer {
    if (this.scratch.byteLength < bytes) this.scratch = new ArrayBuffer(sizeClass(bytes));
    return this.scratch;
  }

  /** Tracks a pending map; keeps the queue moving while any is pending where maps wait for a poll. */
  private waitForMap(map: Promise<void>): Promise<void> {
    this.pendingMaps++;
    if (this.options.pollingMaps && !this.poker) {
      this.poker = setInterval(() => this.device.queue.submit([this.device.createCommandEncoder().finish()]), 1);
    }
    return this.hooks.whileAlive(dawnTask(map)).finally(() => {
      if (--this.pendingMaps === 0) this.stopPoking();
    });
  }

  private stopPoking(): void {
    if (this.poker) clearInterval(this.poker);
    this.poker = null;
  }
}

/**
 * Runs of consecutive jobs [first, end) that can share a dispatch (equal batch keys, all `eligible`);
 * every other job is a run of its own.
 */
function batchRuns(jobs: readonly Job[], eligible: (i: number) => boolean): [number, number][] {
  const runs: [number, number][] = [];
  const key = (i: number) => (jobs[i].batch && eligible(i) ? jobs[i].batch!.key : null);
  for (let i = 0; i < jobs.length; ) {
    let end = i + 1;
    const k = key(i);
    if (k !== null) while (end < jobs.length && key(end) === k) end++;
    runs.push([i, end]);
    i = end;
  }
  return runs;
}

/** Whether a job may join a batch: its input was taken through writeBuffer (so it sits whole in its own buffer). */
function batchable(job: Job): boolean {
  return isTaken(job.input) && job.input.staging === null;
}

/** Why a job's results cannot be written (an `out` array detached by its caller), or null. */
function detachedOutput(output: JobOutput): GradientError | null {
  const k = output.targets.findIndex((t) => isDetached(t));
  if (k < 0) return null;
  return new GradientError(
    'invalid-option',
    `out[${k}]: its ArrayBuffer was detached (transferred) before the results were written into it; keep \`out\` arrays until the call settles`,
  );
}

/** Copies `view` into a mapped buffer at `byteOffset`, in runs a mapping can be viewed in. */
function copyIntoMapped(buffer: GPUBuffer, byteOffset: number, view: ArrayBufferView): void {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  forRuns(bytes.length, (from, n) => new Uint8Array(buffer.getMappedRange(byteOffset + from, n)).set(bytes.subarray(from, from + n)));
}

/** Calls fn(from, length) over [0, bytes) in runs of at most RUN_BYTES. */
function forRuns(bytes: number, fn: (from: number, length: number) => void): void {
  for (let from = 0; from < bytes; from += RUN_BYTES) fn(from, Math.min(RUN_BYTES, bytes - from));
}

/** Bytes of one output in the readback slot: mapped ranges start at multiples of 8. */
function regionBytes(job: Job): number {
  return Math.ceil((job.output.count * job.output.elementBytes) / 16) * 16;
}

/** Bytes rounded up to whole 32-bit words (copies and mapped ranges take no less). */
function words(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
}

function resultBytes(job: Job): number {
  return job.output.slots.length * regionBytes(job);
}
