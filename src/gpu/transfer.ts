import type { DataKind, HalfArray, NumericArray } from '../types.js';
import { BufferUsage, MapMode } from './flags.js';
import { type BufferPool, sizeClass } from './pool.js';

/**
 * Host arrays ↔ GPU for one context. A host call is cut into pieces (dispatch.ts, planPieces); each piece
 * is a job: its input window goes up, its work is recorded, its outputs come back into host arrays.
 * Jobs queued in the same turn of the event loop (concurrent calls, or the first pieces of a streamed
 * one) share one command buffer, one submit and one map round trip ("group commit"), up to `chunkBytes`
 * of results per group.
 *
 * - Inputs go up with queue.writeBuffer up to WRITE_BUFFER_MAX bytes (and always in engines that resolve
 *   maps only at a poll, Firefox); larger ones through a MAP_WRITE staging slot that is mapped again as
 *   soon as its copy is submitted, so the next call finds it mapped and waits for no round trip. Staging
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

/**
 * Inputs up to this size go up with queue.writeBuffer. Through Dawn in Node on SwiftShader (median of 10,
 * upload then onSubmittedWorkDone): writeBuffer 0.04 / 0.15 / 2.7 / 37 ms against a pre-mapped staging
 * slot 0.14 / 0.60 / 2.2 / 9.4 ms at 1 / 4 / 16 / 64 MiB (bench/NOTES.md, host path). Not yet measured on a GPU.
 */
export const WRITE_BUFFER_MAX = 4 * 2 ** 20;
const RING_SLOTS = 3;
/** Mapped ranges are viewed in runs of this size: Dawn's Node binding cannot view 2 GiB of a mapping at once. */
const RUN_BYTES = 256 * 2 ** 20;

/** Where a job's input comes from: elements [start, end) of each component array, `stride` apart on the GPU. */
export interface JobInput {
  readonly arrays: readonly NumericArray[];
  readonly kind: DataKind;
  readonly bytesPerElement: number;
  readonly start: number;
  readonly end: number;
  /** Elements between components in the GPU input buffer (a multiple of 16: mapped ranges start at multiples of 8 bytes). */
  readonly stride: number;
}

/**
 * A job's input made on the GPU instead of uploaded (an image's values converted from a texture): `record`
 * writes `bytes` bytes into `input` and returns the temporary buffers it used.
 */
export interface GpuJobInput {
  readonly bytes: number;
  record(encoder: GPUCommandEncoder, input: GPUBuffer): GPUBuffer[];
}

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
  readonly input: JobInput | GpuJobInput;
  readonly output: JobOutput;
  /** Present where this job's work can be batched with others' (see JobBatch). */
  readonly batch?: JobBatch;
  /** Records the job's GPU work reading `input` and writing `outputs`; returns temporary buffers it used. */
  record(encoder: GPUCommandEncoder, input: GPUBuffer, outputs: readonly GPUBuffer[]): GPUBuffer[];
}

interface Slot {
  buffer: GPUBuffer;
  busy: boolean;
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
        stages = this.viaStaging(entry.job) ? 1 : 0;
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
              staged[i] = await this.acquire(this.uploads, inputBytes(jobs[i]), BufferUsage.MAP_WRITE | BufferUsage.COPY_SRC, true);
          }
        } finally {
          done();
        }
      }
      this.hooks.checkUsable();

      const t0 = performance.now();
      let uploadMs = 0;
      // Where output k of job i lands in the readback slot (a batch lays its jobs' outputs out by output).
      const positions = jobs.map((job, i) => job.output.slots.map((_, k) => offsets[i] + k * regionBytes(job)));
      const recordJob = (encoder: GPUCommandEncoder, i: number) => {
        const job = jobs[i];
        const bytes = inputBytes(job);
        const input = this.pool.acquire(bytes, BufferUsage.STORAGE | BufferUsage.COPY_DST);
        used.push(input);
        const u0 = performance.now();
        if (isGpuInput(job.input)) {
          used.push(...job.input.record(encoder, input));
        } else if (viaStaging[i]) {
          const slot = staged[i];
          writeInput(
            job.input as JobInput,
            (byteOffset, view) => {
              const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
              forRuns(bytes.length, (from, n) =>
                new Uint8Array(slot.buffer.getMappedRange(byteOffset + from, n)).set(bytes.subarray(from, from + n)),
              );
            },
            this.scratchOf.bind(this),
          );
          slot.buffer.unmap();
          encoder.copyBufferToBuffer(slot.buffer, 0, input, 0, bytes);
        } else {
          writeInput(
            job.input as JobInput,
            (byteOffset, view) => this.device.queue.writeBuffer(input, byteOffset, view),
            this.scratchOf.bind(this),
          );
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
      // `count` jobs from `first` in one dispatch over their stacked arrays; false when it cannot record now.
      const recordBatch = (encoder: GPUCommandEncoder, first: number, count: number): boolean => {
        const job = jobs[first];
        const batch = job.batch!;
        const size = job.output.count;
        const eb = job.output.elementBytes;
        const inBytes = inputBytes(job);
        const slab = batch.slab(count);
        const input = this.pool.acquire(count * inBytes, BufferUsage.STORAGE | BufferUsage.COPY_DST);
        const output = this.pool.acquire(job.output.slots.length * slab * eb, BufferUsage.STORAGE | BufferUsage.COPY_SRC);
        const temps = batch.record(encoder, input, output, count);
        if (!temps) {
          this.pool.release(input);
          this.pool.release(output);
          return false;
        }
        used.push(input, output, ...temps);
        const u0 = performance.now();
        for (let j = 0; j < count; j++) {
          const write = (byteOffset: number, view: ArrayBufferView) => this.device.queue.writeBuffer(input, j * inBytes + byteOffset, view);
          writeInput(jobs[first + j].input as JobInput, write, this.scratchOf.bind(this));
        }
        uploadMs += performance.now() - u0;
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
        for (const [first, end] of batchRuns(jobs, viaStaging)) {
          if (end - first > 1 && recordBatch(encoder, first, end - first)) continue;
          for (let i = first; i < end; i++) recordJob(encoder, i);
        }
        this.device.queue.submit([encoder.finish()]);
      });
      submitted = true;
      this.stats.uploadMs += uploadMs;
      this.stats.recordMs += performance.now() - t0 - uploadMs;
      // The staging slots are mapped again right away: the map resolves once the copies above are done.
      for (const slot of staged) if (slot) this.remap(slot);

      const t1 = performance.now();
      // The error scopes first, then the map: in headless Chromium a map requested before the scopes had
      // resolved made a 64² call take 2.7 ms instead of 1.0 ms; Node, Deno and Firefox ran the same
      // either way (bench/latency.mjs, bench/NOTES.md).
      const scopeError = await this.hooks.whileAlive(errors);
      if (scopeError) throw scopeError;
      const mapError = await this.waitForMap(readback.buffer.mapAsync(MapMode.READ, 0, total)).then(
        () => null,
        (e: unknown) => e ?? new Error('map failed'),
      );
      this.stats.waitMs += performance.now() - t1;
      if (mapError) throw mapError;

      const t2 = performance.now();
      jobs.forEach((job, i) => {
        const { targets, at, count, elementBytes: eb } = job.output;
        targets.forEach((target, k) => {
          const View = target.constructor as new (buffer: ArrayBuffer, byteOffset: number, length: number) => ResultArray;
          // Mapped ranges are whole words: an odd count of halves ends in a padded one.
          forRuns(count * eb, (from, n) =>
            target.set(new View(readback!.buffer.getMappedRange(positions[i][k] + from, words(n)), 0, n / eb), at + from / eb),
          );
        });
      });
      readback.buffer.unmap();
      this.stats.downloadMs += performance.now() - t2;
      this.stats.groups++;
      this.stats.jobs += jobs.length;
      this.stats.mapRoundTrips++;
      this.releaseSlot(readback);
      readback = null;
      for (const b of used) this.pool.release(b);
      for (const g of group) g.done();
    } catch (error) {
      // Buffers of work that failed half-way may still be in use: destroy rather than pool them.
      for (const b of used) this.pool.destroy(b);
      if (readback) this.dropSlot(this.readbacks, readback);
      if (!submitted) for (const slot of staged) if (slot) this.dropSlot(this.uploads, slot);
      const reported = this.hooks.translate(error);
      for (const g of group) g.done(reported);
    }
  }

  /** Whether a job's input goes up through a staging slot rather than queue.writeBuffer. */
  private viaStaging(job: Job): boolean {
    return !isGpuInput(job.input) && !this.options.pollingMaps && inputBytes(job) > WRITE_BUFFER_MAX;
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
    return { slot: { buffer, busy: false, ready: Promise.resolve() }, errors };
  }

  private remap(slot: Slot): void {
    slot.ready = this.waitForMap(slot.buffer.mapAsync(MapMode.WRITE)).catch(() => {
      // A failed re-map (device lost or destroyed) leaves the slot unusable: drop it.
      this.dropSlot(this.uploads, slot);
    });
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
    return this.hooks.whileAlive(map).finally(() => {
      if (--this.pendingMaps === 0) this.stopPoking();
    });
  }

  private stopPoking(): void {
    if (this.poker) clearInterval(this.poker);
    this.poker = null;
  }
}

/**
 * Runs of consecutive jobs [first, end) that can share a dispatch (equal batch keys, uploaded with
 * writeBuffer); every other job is a run of its own.
 */
function batchRuns(jobs: readonly Job[], viaStaging: readonly boolean[]): [number, number][] {
  const runs: [number, number][] = [];
  const key = (i: number) => (jobs[i].batch && !viaStaging[i] ? jobs[i].batch!.key : null);
  for (let i = 0; i < jobs.length; ) {
    let end = i + 1;
    const k = key(i);
    if (k !== null) while (end < jobs.length && key(end) === k) end++;
    runs.push([i, end]);
    i = end;
  }
  return runs;
}

/** Calls fn(from, length) over [0, bytes) in runs of at most RUN_BYTES. */
function forRuns(bytes: number, fn: (from: number, length: number) => void): void {
  for (let from = 0; from < bytes; from += RUN_BYTES) fn(from, Math.min(RUN_BYTES, bytes - from));
}

function inputBytes(job: Job): number {
  if (isGpuInput(job.input)) return Math.ceil(job.input.bytes / 16) * 16;
  const { arrays, start, end, stride, bytesPerElement } = job.input;
  return Math.ceil((((arrays.length - 1) * stride + end - start) * bytesPerElement) / 16) * 16;
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

type View = Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;
const VIEW_OF: Record<DataKind, { new (buffer: ArrayBuffer, byteOffset?: number, length?: number): View; BYTES_PER_ELEMENT: number }> = {
  float64: Float32Array,
  float32: Float32Array,
  float16: Uint16Array, // the halves' bits, as they go to the GPU
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
};

function isGpuInput(input: JobInput | GpuJobInput): input is GpuJobInput {
  return typeof (input as GpuJobInput).record === 'function';
}

/**
 * Hands `write` the bytes of each component's window in GPU element format, at its byte offset in the
 * input buffer, in runs a multiple of 4 bytes long. Native typed arrays go as views (no copy; a
 * Float16Array as the bits of its halves); float64 and plain arrays, and the tail of 8/16-bit windows, are
 * converted through `scratch`.
 */
function writeInput(
  input: JobInput,
  write: (byteOffset: number, bytes: ArrayBufferView) => void,
  scratch: (bytes: number) => ArrayBuffer,
): void {
  const { arrays, kind, start, end, stride, bytesPerElement } = input;
  const View = VIEW_OF[kind];
  const count = end - start;
  const padded = Math.ceil(count / 4) * 4; // whole 32-bit words, whatever the element width
  arrays.forEach((given, c) => {
    const at = c * stride * bytesPerElement;
    const array =
      kind === 'float16' && ArrayBuffer.isView(given)
        ? new Uint16Array(given.buffer, given.byteOffset, (given as HalfArray).length)
        : given;
    const native = ArrayBuffer.isView(array) && (array as unknown as View).constructor === View;
    if (native && count === padded) {
      write(at, (array as unknown as View).subarray(start, end));
      return;
    }
    const target = new View(scratch(padded * bytesPerElement), 0, padded);
    const source = ArrayBuffer.isView(array)
      ? (array as unknown as View).subarray(start, end)
      : (array as readonly number[]).slice(start, end);
    target.set(source as ArrayLike<number>);
    target.fill(0, count);
    write(at, target);
  });
}
