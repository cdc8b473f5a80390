import { type InputArena, InputArenas } from './arena.js';
import { fillUpload, INPUT_USAGE, type RecordingParts, readbackLayout, recordGroup } from './group.js';
import { type GroupOwner, GroupRun } from './group-run.js';
import {
  detachedOutput,
  type Job,
  type JobBatch,
  type JobOutput,
  type QueuedJob,
  resultBytes,
  type TransferHooks,
  type TransferStats,
} from './jobs.js';
import { MapWaiter } from './map-wait.js';
import { downloadInto, mappedWindow } from './mapped.js';
import { type BufferPool, sizeClass } from './pool.js';
import { soon } from './soon.js';
import { RING_SIZE, Staging, type StagingBuffer } from './staging.js';
import {
  type AnyJobInput,
  inputBytes,
  isGpuInput,
  isTaken,
  type JobInput,
  type TakenInput,
  throughStaging,
  unreadableInput,
  writeInput,
} from './upload.js';

/**
 * Host arrays ↔ GPU for one context: the scheduler. A host call is cut into pieces (steps.ts,
 * planPieces); each piece is a job (jobs.ts): its input goes up, its work is recorded, its outputs come
 * back into host arrays. Jobs queued in the same turn of the event loop (concurrent calls, or the first
 * pieces of a streamed one) share one command buffer, one submit and one map round trip ("group
 * commit"), up to `chunkBytes` of results and RING_SIZE staged uploads per group. The parts it drives:
 *
 * - upload.ts: how input bytes are written, and the path chosen by size. A one-piece call's input is
 *   taken while the call is made (`take`), so the caller may refill its arrays as soon as it returns; a
 *   streamed call's pieces are written when their group is recorded. Inputs go up with queue.writeBuffer
 *   up to WRITE_BUFFER_MAX bytes (always where maps wait for a poll, Firefox), larger ones through a
 *   staging buffer (a taken input that finds none mapped, with three large calls in flight, goes through
 *   writeBuffer). Staging beat both writeBuffer and a new mappedAtCreation buffer for large uploads
 *   through Dawn on an H100 and an H200 (bench/NOTES.md, runs 6 and 7).
 * - arena.ts: the buffers that taken inputs written with writeBuffer share, one per turn.
 * - staging.ts: the rings of MAP_WRITE and MAP_READ buffers; results come back through one map per group.
 * - map-wait.ts: waiting for those maps, with the empty submits Firefox needs.
 * - mapped.ts: copies into and out of mapped ranges.
 */

const NO_ERRORS: Promise<Error | null> = Promise.resolve(null);

/**
 * Group runs kept for reuse: one serves every sequential call; a run made afresh cost about 0.9 KB a
 * call (its functions, fields and arrays: 4.6-4.7 KB a sequential call on a null device without reuse,
 * 3.7-3.75 with it; bench/NOTES.md, fifth session).
 */
const SPARE_RUNS = 4;

export type { JobBatch, ResultArray, TransferStats } from './jobs.js';
export type { GpuJobInput, JobInput } from './upload.js';

export class Transfer {
  private readonly staging: Staging;
  private readonly maps: MapWaiter;
  private queue: QueuedJob[] = [];
  /**
   * A group's list of jobs once it has arrived, emptied with its room kept, for the next queue: a new empty
   * array grows its room at the first push, about 0.15 KB a sequential call (bench/NOTES.md, tenth session).
   */
  private spareQueue: QueuedJob[] | null = null;
  private flushScheduled = false;
  private readonly flushSoon = () => this.flush();
  private scratch = new ArrayBuffer(0);
  /** Groups take their upload buffers one group at a time, so two groups never hold part of the ring each and wait for the rest. */
  private uploadTurn: Promise<void> = Promise.resolve();
  readonly stats: TransferStats = {
    groups: 0,
    jobs: 0,
    batches: 0,
    batchedJobs: 0,
    gpuGathers: 0,
    mapRoundTrips: 0,
    uploadMs: 0,
    recordMs: 0,
    waitMs: 0,
    downloadMs: 0,
  };

  private readonly recording: RecordingParts;
  private readonly arenas: InputArenas;
  /** What a group's wait tells the scheduler (group-run.ts); made once. */
  private readonly groups: GroupOwner = {
    arrived: (run) => this.arrived(run),
    failed: (run, error) => this.groupFailed(run, error),
    mapStarted: () => this.maps.started(),
    mapSettled: () => this.maps.settled(),
    waiting: (run) => {
      run.slot = this.waiting.length;
      this.waiting.push(run);
    },
    done: (run) => {
      // Swapped with the last, so the list never leaves holes or shrinks: no garbage per group (a Set's
      // delete cost 0.12 KB a call; bench/NOTES.md, garbage per call).
      if (run.slot < 0) return;
      const last = this.waiting.pop()!;
      if (last !== run) {
        this.waiting[run.slot] = last;
        last.slot = run.slot;
      }
      run.slot = -1;
    },
  };
  /** Groups submitted and not yet ended: failed at once if the device is lost. */
  private readonly waiting: GroupRun[] = [];
  /** Runs of groups that arrived, made ready for the next (GroupRun.retire); at most SPARE_RUNS. */
  private readonly spareRuns: GroupRun[] = [];

  /** `maxBindingBytes`: the largest storage binding and buffer; `bindAlignment`: minStorageBufferOffsetAlignment. */
  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
    private readonly hooks: TransferHooks,
    private readonly options: { chunkBytes: number; pollingMaps: boolean; maxBindingBytes: number; bindAlignment: number },
  ) {
    this.maps = new MapWaiter(device, options.pollingMaps, hooks.whileAlive);
    hooks.watch((error) => {
      for (const run of this.waiting.slice()) run.lose(error);
    });
    this.staging = new Staging(device, { ...hooks, waitForMap: (map) => this.maps.wait(map) });
    this.arenas = new InputArenas(pool, INPUT_USAGE, Math.min(options.chunkBytes, options.maxBindingBytes));
    this.recording = {
      device,
      pool,
      bindAlignment: options.bindAlignment,
      scratch: (bytes) => this.scratchOf(bytes),
      batched: (count) => {
        this.stats.batches++;
        this.stats.batchedJobs += count;
      },
    };
  }

  /** Runs a job; resolves once its results are in its target arrays. */
  run(job: Job): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue(new AwaitedJob(job, resolve, reject)));
  }

  /** Runs a job that is told itself when it has settled (`settled`): no promise of the scheduler's own. */
  enqueue(job: QueuedJob): void {
    this.queue.push(job);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Later in this turn: every call that reaches this point meanwhile joins the same group.
      soon(this.flushSoon);
    }
  }

  /** Bytes held in staging buffers (for stats). */
  stagingBytes(): number {
    return this.staging.bytes();
  }

  /** Staging buffers per ring (tests). */
  stagingBuffers(): { uploads: number; readbacks: number } {
    return this.staging.counts();
  }

  /** Destroys the staging buffers; those still in use are destroyed when their job ends. */
  destroy(forgetOnly = false): void {
    this.arenas.close();
    this.staging.close(forgetOnly);
    this.maps.stop();
  }

  private flush(): void {
    this.flushScheduled = false;
    const queued = this.queue;
    this.queue = this.spareQueue ?? [];
    this.spareQueue = null;
    // Groups of at most chunkBytes of results (a larger job alone) and at most RING_SIZE staged uploads:
    // runs [first, i) of the queue, which is itself the group when one holds every job (every sequential
    // call, and a burst whose results fit in chunkBytes), so no array is copied.
    let first = 0,
      bytes = 0,
      staged = 0;
    for (let i = 0; i < queued.length; i++) {
      const size = resultBytes(queued[i]),
        stages = this.viaStaging(queued[i]) ? 1 : 0; // taken inputs hold their upload buffer already
      if (i > first && (bytes + size > this.options.chunkBytes || staged + stages > RING_SIZE)) {
        this.runGroup(queued.slice(first, i));
        first = i;
        bytes = 0;
        staged = 0;
      }
      bytes += size;
      staged += stages;
    }
    if (queued.length > first) this.runGroup(first === 0 ? queued : queued.slice(first));
  }

  /**
   * One group, in four phases: its staging buffers (awaited only where none is free, or for streamed
   * pieces), its recording and submit in one synchronous block inside the error scopes, the wait for the
   * scopes and then the readback map (GroupRun), and the copy of each job's results into its arrays
   * (`arrived`). A job whose caller detached its arrays fails alone; any other failure fails the group,
   * whose buffers are destroyed, not pooled (`groupFailed`). Not an async function: a sequential call's
   * group has no frame of its own (bench/NOTES.md, garbage per call).
   */
  private runGroup(jobs: readonly QueuedJob[]): void {
    // Loops, not map/flatMap/forEach with closures: every sequential call is a group (bench/NOTES.md, garbage per call).
    const run = (this.spareRuns.pop() ?? new GroupRun(this.groups)).begin(jobs);
    let streamed = false;
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i];
      if (isTaken(job.input)) {
        if (!job.input.arena) run.used.push(job.input.buffer);
        if (job.input.staging) run.takenStaging.push(job.input.staging as StagingBuffer);
      } else streamed ||= this.viaStaging(job);
    }
    try {
      this.hooks.checkUsable();
      run.total = readbackLayout(jobs, run.positions);
      const free = this.staging.freeReadback(run.total);
      if (free && !streamed) {
        run.readback = free;
        this.submit(run);
      } else void this.prepare(run, free, streamed);
    } catch (error) {
      this.groupFailed(run, error);
    }
  }

  /** A group that waits for a readback buffer, or for its streamed pieces' upload buffers, before it is recorded. */
  private async prepare(run: GroupRun, free: StagingBuffer | null, streamed: boolean): Promise<void> {
    try {
      run.readback = free ?? (await this.staging.acquireReadback(run.total));
      if (streamed) {
        run.staged = [];
        await this.acquireUploads(run.jobs, run.staged);
      }
      this.submit(run);
    } catch (error) {
      this.groupFailed(run, error);
    }
  }

  /** Records and submits the group inside its error scopes, then waits for it (GroupRun.wait). Nothing awaits from the check to the submit. */
  private submit(run: GroupRun): void {
    const { jobs, failed, staged } = run;
    const device = this.device;
    this.hooks.checkUsable();
    // What is readable now is what is read.
    for (let i = 0; i < jobs.length; i++) failed[i] = unreadableInput(jobs[i].input) ?? detachedOutput(jobs[i].output) ?? undefined;
    const t0 = performance.now();
    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');
    let uploadMs: number;
    try {
      uploadMs = recordGroup(this.recording, run);
    } catch (error) {
      GroupRun.discardScopes(device.popErrorScope(), device.popErrorScope());
      throw error;
    }
    const oom = device.popErrorScope();
    const validation = device.popErrorScope();
    run.submitted = true;
    // Upload buffers are mapped again right away (the map resolves once their copies are done); one a
    // skipped job never wrote is still mapped, and is only freed.
    for (let i = 0; i < staged.length; i++) {
      const upload = staged[i];
      if (!upload) continue;
      if (failed[i] === undefined) this.staging.remap(upload);
      else this.staging.release(upload);
    }
    for (let i = 0; i < run.takenStaging.length; i++) this.staging.remap(run.takenStaging[i]); // indexed: no iterator a call
    // One clock read ends the recording and starts the wait.
    const t1 = performance.now();
    this.stats.uploadMs += uploadMs;
    this.stats.recordMs += t1 - t0 - uploadMs;
    run.waitStart = t1;
    run.wait(oom, validation, inputErrors(jobs));
  }

  /** The group's results are mapped: each job's copied into its arrays, its buffers freed, its call settled. */
  private arrived(run: GroupRun): void {
    const { jobs, failed, readback, positions } = run;
    const n = jobs.length;
    try {
      const t2 = performance.now();
      this.stats.waitMs += t2 - run.waitStart;
      // One view of the whole mapping for the group (one getMappedRange, not one per output and job).
      const window = mappedWindow(readback.buffer, 0, run.total);
      for (let i = 0; i < n; i++) {
        failed[i] ??= detachedOutput(jobs[i].output) ?? undefined; // an `out` detached while the work ran
        if (failed[i] === undefined) downloadInto(jobs[i].output, readback.buffer, positions[i], window);
      }
      readback.buffer.unmap();
      this.stats.downloadMs += performance.now() - t2;
    } catch (error) {
      this.groupFailed(run, error);
      return;
    }
    this.stats.groups++;
    this.stats.jobs += n;
    this.stats.mapRoundTrips++;
    this.staging.release(readback);
    for (let i = 0; i < run.used.length; i++) this.pool.release(run.used[i]);
    endInputs(jobs, false);
    for (let i = 0; i < n; i++) jobs[i].settled(failed[i]); // told once, just before its call settles
    run.retire();
    // The group's own list (the queue it was, or a slice of it): nothing holds it once the run has retired.
    const emptied = jobs as QueuedJob[];
    while (emptied.length > 0) emptied.pop(); // pop, not length = 0, which lets V8 drop the room
    this.spareQueue ??= emptied;
    if (this.spareRuns.length < SPARE_RUNS) this.spareRuns.push(run);
  }

  /** The group failed: buffers of work that failed half-way may still be in use, so they are destroyed rather than pooled. */
  private groupFailed(run: GroupRun, error: unknown): void {
    run.ended = true;
    for (const b of run.used) this.pool.destroy(b);
    endInputs(run.jobs, true);
    const readback: StagingBuffer | null = run.readback;
    if (readback) this.staging.drop(readback);
    if (!run.submitted) for (const upload of [...run.staged, ...run.takenStaging]) if (upload) this.staging.drop(upload);
    const reported = this.hooks.translate(error);
    for (let i = 0; i < run.jobs.length; i++) run.jobs[i].settled(run.failed[i] ?? reported);
  }

  /** The upload buffers of the group's streamed pieces (there is one), taken a group at a time (two groups never hold part of the ring each). */
  private async acquireUploads(jobs: readonly Job[], staged: StagingBuffer[]): Promise<void> {
    const previous = this.uploadTurn;
    let done = () => {};
    this.uploadTurn = new Promise<void>((resolve) => {
      done = resolve;
    });
    try {
      await previous;
      for (let i = 0; i < jobs.length; i++)
        if (this.viaStaging(jobs[i])) staged[i] = await this.staging.acquireUpload(inputBytes(jobs[i].input));
    } finally {
      done();
    }
  }

  /**
   * Takes a one-piece call's input now, while the call is being made: written with queue.writeBuffer
   * (which copies at once), or into an upload buffer that is mapped now (large inputs), to be copied on
   * the GPU when its group is recorded. The job then owns the buffers; `discard` frees them if the call
   * fails before it runs.
   */
  take(input: JobInput): TakenInput {
    this.hooks.checkUsable();
    const t0 = performance.now();
    const bytes = inputBytes(input);
    const taken = this.stagesUpload(bytes) ? this.takeStaged(input, bytes) : this.takeIntoArena(input, bytes);
    this.stats.uploadMs += performance.now() - t0;
    return taken;
  }

  /**
   * A large input: a buffer of its own, filled from a mapped upload buffer (or written, with none free).
   * Apart from take: its closures' context would be made at every take (bench/NOTES.md, tenth session).
   */
  private takeStaged(input: JobInput, bytes: number): TakenInput {
    let buffer = this.pool.reuse(bytes, INPUT_USAGE);
    let staging = this.staging.readyUpload(bytes);
    const write = () => {
      buffer ??= this.pool.create(bytes, INPUT_USAGE);
      staging ??= this.staging.newMappedUpload(bytes);
      const into = buffer;
      if (staging) fillUpload(staging, input, this.recording.scratch);
      else writeInput(input, (byteOffset, view) => this.device.queue.writeBuffer(into, byteOffset, view), this.recording.scratch);
    };
    // A call that allocates writes inside error scopes (out of memory → gpu-error, and the writes into
    // what failed to allocate stay captured too). One that reuses a pooled buffer and a mapped upload
    // buffer cannot fail validation, and skips them: a scope pair on every call tripled a small call's
    // upload phase (bench/NOTES.md, 2026-12-03).
    let errors = NO_ERRORS;
    if (!buffer || !staging) errors = this.hooks.scoped(write).errors;
    else write();
    return { taken: true, bytes, buffer: buffer!, offset: 0, arena: null, staging, errors };
  }

  /**
   * An input written with writeBuffer into this turn's arena, at once. Only a write into an arena that
   * was created for this turn runs inside error scopes (with the creation): a scope pair on every call
   * tripled a small call's upload phase (bench/NOTES.md, 2026-12-03).
   */
  private takeIntoArena(input: JobInput, bytes: number): TakenInput {
    let offset = this.arenas.pooledSlot(bytes);
    let errors = NO_ERRORS;
    if (offset >= 0) this.writeSlot(input, offset);
    else ({ value: offset, errors } = this.intoNewArena(input, bytes));
    const arena = this.arenas.placedArena;
    return { taken: true, bytes, buffer: arena.buffer, offset, arena, staging: null, errors };
  }

  /** An input written into an arena that may be created now, inside error scopes (apart, as take's closures are). */
  private intoNewArena(input: JobInput, bytes: number): { value: number; errors: Promise<Error | null> } {
    return this.hooks.scoped(() => this.writeSlot(input, this.arenas.slot(bytes)));
  }

  /**
   * Writes `input` at byte `offset` of the arena just placed in; a failed write gives the place up (the
   * arena is then destroyed, not pooled). Returns the offset.
   */
  private writeSlot(input: JobInput, offset: number): number {
    const arena = this.arenas.placedArena;
    this.writingArena = arena;
    this.writingOffset = offset;
    try {
      writeInput(input, this.writeIntoSlot, this.recording.scratch);
    } catch (error) {
      arena.end(true);
      throw error;
    } finally {
      this.writingArena = null;
    }
    return offset;
  }

  /** The arena and offset `writeSlot` is writing at, and its write: one function made once, not a closure a call. */
  private writingArena: InputArena | null = null;
  private writingOffset = 0;
  private readonly writeIntoSlot = (byteOffset: number, view: ArrayBufferView) => {
    this.device.queue.writeBuffer(this.writingArena!.buffer, this.writingOffset + byteOffset, view);
  };

  /**
   * Bytes that a pass turns into a call's input on the GPU (span.ts: a float32 view's memory span,
   * ImageData's pixels): `byteLength` bytes of `source` from `byteOffset`, written now with writeBuffer into
   * this turn's arena at a multiple of the storage binding alignment, in a place of `bytes` (a multiple of
   * 16), where the pass binds them. Taken as a one-piece call's input is; the place is freed by
   * SpanCall.release once the call has settled.
   */
  takeSpan(source: ArrayBuffer, byteOffset: number, byteLength: number, bytes: number): TakenInput {
    this.hooks.checkUsable();
    const t0 = performance.now();
    this.span.source = source;
    this.span.byteOffset = byteOffset;
    this.span.byteLength = byteLength;
    const align = this.options.bindAlignment;
    let offset = this.arenas.pooledSlot(bytes, align);
    let errors = NO_ERRORS;
    try {
      if (offset >= 0) this.writeSpan(offset);
      else ({ value: offset, errors } = this.spanIntoNewArena(bytes));
    } finally {
      this.span.source = null;
    }
    this.stats.uploadMs += performance.now() - t0;
    const arena = this.arenas.placedArena;
    return { taken: true, bytes, buffer: arena.buffer, offset, arena, staging: null, errors };
  }

  /** The span written into an arena that may be created now, inside error scopes (apart: its closure's context would be made at every take). */
  private spanIntoNewArena(bytes: number): { value: number; errors: Promise<Error | null> } {
    return this.hooks.scoped(() => this.writeSpan(this.arenas.slot(bytes, this.options.bindAlignment)));
  }

  /** What `takeSpan` writes: kept in one object, not a closure's context a call. */
  private readonly span = { source: null as ArrayBuffer | null, byteOffset: 0, byteLength: 0 };

  /** Writes the span at `offset` of the arena just placed in; a failed write gives the place up. Returns the offset. */
  private writeSpan(offset: number): number {
    const arena = this.arenas.placedArena;
    const { source, byteOffset, byteLength } = this.span;
    try {
      this.device.queue.writeBuffer(arena.buffer, offset, source!, byteOffset, byteLength);
    } catch (error) {
      arena.end(true);
      throw error;
    }
    return offset;
  }

  /** Frees a taken input whose call failed before its job ran. */
  discard(input: TakenInput): void {
    if (input.arena) input.arena.end(false);
    else this.pool.release(input.buffer);
    if (input.staging) this.staging.remap(input.staging as StagingBuffer);
  }

  /** Whether a job's input is written into a staging upload when its group is recorded (streamed pieces). */
  private viaStaging(job: Job): boolean {
    return !isGpuInput(job.input) && !isTaken(job.input) && this.stagesUpload(inputBytes(job.input));
  }

  private stagesUpload(bytes: number): boolean {
    return throughStaging(bytes, this.options.pollingMaps);
  }

  private scratchOf(bytes: number): ArrayBuffer {
    if (this.scratch.byteLength < bytes) this.scratch = new ArrayBuffer(sizeClass(bytes));
    return this.scratch;
  }
}

/** A job of `run`, settling its promise. */
class AwaitedJob implements QueuedJob {
  readonly input: AnyJobInput;
  readonly output: JobOutput;
  readonly batch: JobBatch | undefined;

  constructor(
    private readonly job: Job,
    private readonly resolve: () => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.input = job.input;
    this.output = job.output;
    this.batch = job.batch;
  }

  record(encoder: GPUCommandEncoder, input: GPUBuffer, outputs: readonly GPUBuffer[]): readonly GPUBuffer[] {
    return this.job.record(encoder, input, outputs);
  }

  settled(error: unknown): void {
    this.job.ended?.();
    if (error === undefined) this.resolve();
    else this.reject(error);
  }
}

/** The scopes of the group's inputs taken into new buffers (take, takeSpan): most groups have none (null). */
function inputErrors(jobs: readonly Job[]): Promise<Error | null>[] | null {
  let pending: Promise<Error | null>[] | null = null;
  for (const job of jobs) {
    const { input } = job;
    const errors = isTaken(input) || isGpuInput(input) ? input.errors : undefined;
    if (errors === undefined || errors === NO_ERRORS) continue;
    pending ??= [];
    pending.push(errors);
  }
  return pending;
}

/** The jobs' places in their arenas are free (their group has ended; `failed`: it failed). */
function endInputs(jobs: readonly Job[], failed: boolean): void {
  for (const job of jobs) if (isTaken(job.input) && job.input.arena) job.input.arena.end(failed);
}
