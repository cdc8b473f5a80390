import { BufferUsage, MapMode } from './flags.js';
import {
  batchable,
  batchRuns,
  detachedOutput,
  type Job,
  regionBytes,
  resultBytes,
  type TransferHooks,
  type TransferStats,
  words,
} from './jobs.js';
import { MapWaiter } from './map-wait.js';
import { copyIntoMapped, downloadInto } from './mapped.js';
import { type BufferPool, sizeClass } from './pool.js';
import { RING_SIZE, Staging, type StagingBuffer } from './staging.js';
import {
  inputBytes,
  isGpuInput,
  isTaken,
  type JobInput,
  type TakenInput,
  unreadableInput,
  WRITE_BUFFER_MAX,
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
 * - staging.ts: the rings of MAP_WRITE and MAP_READ buffers; results come back through one map per group.
 * - map-wait.ts: waiting for those maps, with the empty submits Firefox needs.
 * - mapped.ts: copies into and out of mapped ranges.
 */

const NO_ERRORS: Promise<Error | null> = Promise.resolve(null);
/** Input buffers: a batch copies taken inputs out of theirs into one stacked buffer. */
const INPUT_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;

export type { JobBatch, ResultArray, TransferStats } from './jobs.js';
export type { GpuJobInput, JobInput } from './upload.js';

export class Transfer {
  private readonly staging: Staging;
  private readonly maps: MapWaiter;
  private queue: { job: Job; done: (error?: unknown) => void }[] = [];
  private flushScheduled = false;
  private scratch = new ArrayBuffer(0);
  /** Groups take their upload buffers one group at a time, so two groups never hold part of the ring each and wait for the rest. */
  private uploadTurn: Promise<void> = Promise.resolve();
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
  ) {
    this.maps = new MapWaiter(device, options.pollingMaps, hooks.whileAlive);
    this.staging = new Staging(device, { ...hooks, waitForMap: (map) => this.maps.wait(map) });
  }

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
    this.staging.close(forgetOnly);
    this.maps.stop();
  }

  private flush(): void {
    this.flushScheduled = false;
    const queued = this.queue;
    this.queue = [];
    // Groups of at most chunkBytes of results (a larger job alone) and at most RING_SIZE staged uploads.
    let group: typeof queued = [],
      bytes = 0,
      staged = 0;
    for (const entry of queued) {
      const size = resultBytes(entry.job),
        stages = this.viaStaging(entry.job) ? 1 : 0; // taken inputs hold their upload buffer already
      if (group.length > 0 && (bytes + size > this.options.chunkBytes || staged + stages > RING_SIZE)) {
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
    let readback: StagingBuffer | null = null;
    const staged: StagingBuffer[] = [];
    // Staging buffers that taken inputs were written into: copied from by this group's commands.
    const takenStaging = group.flatMap(({ job }) => (isTaken(job.input) && job.input.staging ? [job.input.staging as StagingBuffer] : []));
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
      readback = await this.staging.acquireReadback(total);
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
            if (viaStaging[i]) staged[i] = await this.staging.acquireUpload(inputBytes(jobs[i].input));
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
      // Where output k of job i lands in the readback buffer (a batch lays its jobs' outputs out by output).
      const positions = jobs.map((job, i) => job.output.places.map((_, k) => offsets[i] + k * regionBytes(job)));
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
            const upload = staged[i];
            writeInput(job.input, (byteOffset, view) => copyIntoMapped(upload.buffer, byteOffset, view), this.scratchOf.bind(this));
            upload.buffer.unmap();
            upload.mapped = false;
            encoder.copyBufferToBuffer(upload.buffer, 0, input, 0, bytes);
          } else {
            writeInput(job.input, (byteOffset, view) => this.device.queue.writeBuffer(input, byteOffset, view), this.scratchOf.bind(this));
          }
        }
        uploadMs += performance.now() - u0;
        const outputs = job.output.buffers.map((size) => this.pool.acquire(size, BufferUsage.STORAGE | BufferUsage.COPY_SRC));
        used.push(...outputs);
        used.push(...job.record(encoder, input, outputs));
        const { places, count, elementBytes: eb } = job.output;
        places.forEach((place, k) =>
          encoder.copyBufferToBuffer(outputs[place.buffer], place.offset * eb, readback!.buffer, positions[i][k], words(count * eb)),
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
        const output = this.pool.acquire(job.output.places.length * slab * eb, BufferUsage.STORAGE | BufferUsage.COPY_SRC);
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
        job.output.places.forEach((_, k) => {
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
      // The upload buffers are mapped again right away: the map resolves once the copies above are done.
      // One a skipped job never wrote is still mapped: it is only freed.
      staged.forEach((upload, i) => (live(i) ? this.staging.remap(upload) : this.staging.release(upload)));
      for (const upload of takenStaging) this.staging.remap(upload);

      const t1 = performance.now();
      // The error scopes first, then the map: in headless Chromium a map requested before the scopes had
      // resolved made a small call more than twice as slow; Node, Deno and Firefox ran the same either
      // way (bench/NOTES.md, host path).
      const takenErrors = await Promise.all(jobs.map((job) => (isTaken(job.input) ? job.input.errors : null)));
      const scopeError = (await this.hooks.whileAlive(errors)) ?? takenErrors.find((e) => e);
      if (scopeError) throw scopeError;
      const mapError = await this.maps.wait(readback.buffer.mapAsync(MapMode.READ, 0, total)).then(
        () => null,
        (e: unknown) => e ?? new Error('map failed'),
      );
      this.stats.waitMs += performance.now() - t1;
      if (mapError) throw mapError;

      const t2 = performance.now();
      jobs.forEach((job, i) => {
        // An `out` array detached while the work ran fails its own call only.
        outcomes[i] ??= detachedOutput(job.output) ?? undefined;
        if (live(i)) downloadInto(job.output, readback!.buffer, positions[i]);
      });
      readback.buffer.unmap();
      this.stats.downloadMs += performance.now() - t2;
      this.stats.groups++;
      this.stats.jobs += jobs.length;
      this.stats.mapRoundTrips++;
      this.staging.release(readback);
      readback = null;
      for (const b of used) this.pool.release(b);
      group.forEach((g, i) => g.done(outcomes[i]));
    } catch (error) {
      // Buffers of work that failed half-way may still be in use: destroy rather than pool them.
      for (const b of used) this.pool.destroy(b);
      if (readback) this.staging.drop(readback);
      if (!submitted) for (const upload of [...staged, ...takenStaging]) if (upload) this.staging.drop(upload);
      const reported = this.hooks.translate(error);
      group.forEach((g, i) => g.done(outcomes[i] ?? reported));
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
    const stages = this.stagesUpload(bytes);
    let buffer = this.pool.reuse(bytes, INPUT_USAGE);
    let staging = stages ? this.staging.readyUpload(bytes) : null;
    const write = () => {
      buffer ??= this.pool.create(bytes, INPUT_USAGE);
      if (stages && !staging) staging = this.staging.newMappedUpload(bytes);
      const into = buffer;
      const upload = staging;
      if (upload) {
        writeInput(input, (byteOffset, view) => copyIntoMapped(upload.buffer, byteOffset, view), this.scratchOf.bind(this));
        upload.buffer.unmap();
        upload.mapped = false;
      } else {
        writeInput(input, (byteOffset, view) => this.device.queue.writeBuffer(into, byteOffset, view), this.scratchOf.bind(this));
      }
    };
    // A call that allocates writes inside error scopes (out of memory → gpu-error, and the writes into
    // what failed to allocate stay captured too). One that reuses a pooled buffer and a mapped upload
    // buffer cannot fail validation, and skips them: a scope pair on every call tripled a small call's
    // upload phase (bench/NOTES.md, 2026-12-03).
    let errors = NO_ERRORS;
    if (!buffer || (stages && !staging)) errors = this.hooks.scoped(write).errors;
    else write();
    this.stats.uploadMs += performance.now() - t0;
    return { taken: true, bytes, buffer: buffer!, staging, errors };
  }

  /** Frees a taken input whose call failed before its job ran. */
  discard(input: TakenInput): void {
    this.pool.release(input.buffer);
    if (input.staging) this.staging.remap(input.staging as StagingBuffer);
  }

  /** Whether a job's input is written into a staging upload when its group is recorded (streamed pieces). */
  private viaStaging(job: Job): boolean {
    return !isGpuInput(job.input) && !isTaken(job.input) && this.stagesUpload(inputBytes(job.input));
  }

  /** Whether an input of `bytes` goes up through a staging upload rather than queue.writeBuffer. */
  private stagesUpload(bytes: number): boolean {
    return !this.options.pollingMaps && bytes > WRITE_BUFFER_MAX;
  }

  private scratchOf(bytes: number): ArrayBuffer {
    if (this.scratch.byteLength < bytes) this.scratch = new ArrayBuffer(sizeClass(bytes));
    return this.scratch;
  }
}
