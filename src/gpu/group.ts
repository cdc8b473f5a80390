import { BufferUsage } from './flags.js';
import { HandedOn } from './handed-on.js';
import { batchable, batchRuns, type Job, slotLayout } from './jobs.js';
import { copyIntoMapped, mappedWindow } from './mapped.js';
import type { BufferPool } from './pool.js';
import type { BoundBuffer } from './record.js';
import type { StagingBuffer } from './staging.js';
import { inputBytes, isGpuInput, isTaken, type JobInput, type TakenInput, writeInput } from './upload.js';

/**
 * Recording one group of jobs (transfer.ts): each job's input written or copied into place, its work,
 * and the copies of its results into the group's readback buffer — runs of jobs of the same work in one
 * dispatch over their inputs stacked. Synchronous: the scheduler runs it inside the error scopes, and
 * nothing can change between its start and the submit.
 */

/** Input buffers: a batch copies taken inputs out of theirs into one stacked buffer. */
export const INPUT_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;

/** Descriptors made once, not per group. */
const ENCODER: GPUCommandEncoderDescriptor = { label: 'webgpu-gradient' };
const OUTPUT_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC;

/** One group being recorded: its jobs and what they hold. */
export interface Group {
  readonly jobs: readonly Job[];
  /** Why job i failed alone (its input unreadable, its `out` detached); undefined while it is to be computed. */
  readonly failed: readonly unknown[];
  /** Upload buffers of the jobs written at recording (streamed pieces), by job. */
  readonly staged: readonly StagingBuffer[];
  readonly readback: StagingBuffer;
  /** Where output k of job i lands in the readback buffer (a batch rewrites its jobs' entries). */
  readonly positions: number[][];
  /** Buffers the group's commands use, released (or destroyed on failure) when it ends. */
  readonly used: GPUBuffer[];
}

export interface RecordingParts {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  /** Storage bindings start at multiples of this (minStorageBufferOffsetAlignment). */
  readonly bindAlignment: number;
  readonly scratch: (bytes: number) => ArrayBuffer;
  /** Counts a batch of `count` jobs. */
  readonly batched: (count: number) => void;
}

/** Writes an input window into a mapped upload buffer and unmaps it, ready to be copied from. */
export function fillUpload(upload: StagingBuffer, input: JobInput, scratch: (bytes: number) => ArrayBuffer): void {
  writeInput(
    input,
    (byteOffset, view) => copyIntoMapped(upload.buffer, byteOffset, view),
    scratch,
    (byteOffset, bytes) => mappedWindow(upload.buffer, byteOffset, bytes),
  );
  upload.buffer.unmap();
  upload.mapped = false;
}

/**
 * Where output k of job i lands in the group's readback buffer (`positions[i][k]`, bytes), written into
 * `positions` (a group run's own, kept with its arrays from group to group: none made for a sequential
 * call); returns the buffer's bytes.
 */
export function readbackLayout(jobs: readonly Job[], positions: number[][]): number {
  while (positions.length > jobs.length) positions.pop();
  let total = 0;
  for (let i = 0; i < jobs.length; i++) {
    const { slots, bytes } = slotLayout(jobs[i]);
    let into = positions[i];
    if (into?.length !== slots.length) into = positions[i] = new Array(slots.length);
    for (let k = 0; k < slots.length; k++) into[k] = total + slots[k];
    total += bytes;
  }
  return total;
}

/** Records every live job of the group into one encoder and submits it; returns the milliseconds spent writing inputs. */
export function recordGroup(parts: RecordingParts, group: Group): number {
  const encoder = parts.device.createCommandEncoder(ENCODER);
  let uploadMs = 0;
  try {
    if (group.jobs.length === 1) {
      // A sequential call: no runs to look for.
      if (group.failed[0] === undefined) uploadMs += recordJob(parts, group, encoder, 0);
    } else {
      for (const [first, end] of batchRuns(group.jobs, (i) => group.failed[i] === undefined && batchable(group.jobs[i]))) {
        if (end - first > 1 && recordBatch(parts, group, encoder, first, end - first)) continue;
        for (let i = first; i < end; i++) if (group.failed[i] === undefined) uploadMs += recordJob(parts, group, encoder, i);
      }
    }
  } finally {
    HANDED_ON.end();
  }
  // One list refilled, not one a group: submit reads its sequence at once (WebIDL converts it), keeps none.
  SUBMITTED[0] = encoder.finish();
  try {
    parts.device.queue.submit(SUBMITTED);
  } finally {
    SUBMITTED.pop();
  }
  return uploadMs;
}

/** The command buffer a group submits, in a list of one made once. */
const SUBMITTED: GPUCommandBuffer[] = [];

/** One job: its input into place, its work, its results copied to the readback buffer. Returns upload milliseconds. */
function recordJob(parts: RecordingParts, group: Group, encoder: GPUCommandEncoder, i: number): number {
  const job = group.jobs[i];
  const bytes = inputBytes(job.input);
  // Only writing an input counts as upload time here: an input taken when its call was made (a small
  // call's) was timed then, and recording its copy is recording. Two clock reads fewer a call: each costs
  // about 40 ns on this VM (0.33 µs of nine a call, CPU profile on a null device, bench/NOTES.md).
  let uploadMs = 0;
  let input: GPUBuffer;
  if (isTaken(job.input) && job.input.offset > 0) {
    // Further into its arena than the job's work binds (from byte 0): copied to a buffer of its own.
    input = HANDED_ON.acquire(parts.pool, bytes, INPUT_USAGE, group.used);
    encoder.copyBufferToBuffer(job.input.buffer, job.input.offset, input, 0, bytes);
  } else if (isTaken(job.input)) {
    input = job.input.buffer;
    if (job.input.staging) encoder.copyBufferToBuffer(job.input.staging.buffer, 0, input, 0, bytes);
  } else {
    const u0 = performance.now();
    const written = !isGpuInput(job.input) && !group.staged[i]; // by queue.writeBuffer: before the submit's commands run
    input = written ? parts.pool.acquire(bytes, INPUT_USAGE) : HANDED_ON.acquire(parts.pool, bytes, INPUT_USAGE, group.used);
    if (written) group.used.push(input);
    if (isGpuInput(job.input)) {
      group.used.push(...job.input.record(encoder, input));
    } else if (group.staged[i]) {
      fillUpload(group.staged[i], job.input, parts.scratch);
      encoder.copyBufferToBuffer(group.staged[i].buffer, 0, input, 0, bytes);
    } else {
      writeWithQueue(parts, job.input, input);
    }
    uploadMs = performance.now() - u0;
  }
  const { buffers } = job.output;
  const outputs = JOB_OUTPUTS;
  for (let k = 0; k < buffers.length; k++) outputs[k] = HANDED_ON.acquire(parts.pool, buffers[k], OUTPUT_USAGE, group.used);
  try {
    const temps = job.record(encoder, input, outputs);
    for (let k = 0; k < temps.length; k++) group.used.push(temps[k]);
    // The slot's copies, from its start: output 0's position (every slot layout places output 0 first).
    const { copies } = slotLayout(job);
    const start = group.positions[i][0];
    for (let c = 0; c < copies.length; c++) {
      const copy = copies[c]; // indexed: a for-of iterator was made a call here (bench/NOTES.md, tenth session)
      encoder.copyBufferToBuffer(outputs[copy.buffer], copy.from, group.readback.buffer, start + copy.to, copy.bytes);
    }
  } finally {
    while (outputs.length > 0) outputs.pop(); // holds no buffer between jobs
    HANDED_ON.next();
  }
  return uploadMs;
}

/** The output buffers and input copies of the group being recorded, handed on from job to job (handed-on.ts). */
const HANDED_ON = new HandedOn();

/**
 * A job's output buffers while it is recorded (recordJob): one list refilled, not one a job (about 50
 * bytes a call; bench/NOTES.md, eleventh session). Recording is synchronous and `record` keeps no list.
 */
const JOB_OUTPUTS: GPUBuffer[] = [];

/** An input written with queue.writeBuffer: apart from recordJob, whose every call would make this closure's context. */
function writeWithQueue(parts: RecordingParts, from: JobInput, into: GPUBuffer): void {
  writeInput(from, (byteOffset, view) => parts.device.queue.writeBuffer(into, byteOffset, view), parts.scratch);
}

/**
 * `count` jobs from `first` (inputs taken side by side in one arena, batchRuns) in one dispatch over their
 * stacked arrays where they lie, or copied to a buffer of their own where the first does not start at a
 * binding offset; false when it cannot record now (they are then recorded one by one).
 */
function recordBatch(parts: RecordingParts, group: Group, encoder: GPUCommandEncoder, first: number, count: number): boolean {
  const job = group.jobs[first];
  const batch = job.batch!;
  const size = job.output.count;
  const eb = job.output.elementBytes;
  const taken = job.input as TakenInput;
  const slab = batch.slab(count);
  let input: BoundBuffer = { buffer: taken.buffer, offset: taken.offset };
  if (taken.offset % parts.bindAlignment !== 0) {
    input = { buffer: parts.pool.acquire(count * taken.bytes, INPUT_USAGE), offset: 0 };
    group.used.push(input.buffer);
    encoder.copyBufferToBuffer(taken.buffer, taken.offset, input.buffer, 0, count * taken.bytes);
  }
  const output = parts.pool.acquire(job.output.places.length * slab * eb, OUTPUT_USAGE);
  const temps = batch.record(encoder, input, output, count);
  if (!temps) {
    // A copy above stays recorded, harmlessly.
    parts.pool.release(output);
    return false;
  }
  group.used.push(output, ...temps);
  const base = group.positions[first][0];
  job.output.places.forEach((_, k) => {
    const at = base + k * count * size * eb;
    encoder.copyBufferToBuffer(output, k * slab * eb, group.readback.buffer, at, count * size * eb);
    for (let j = 0; j < count; j++) group.positions[first + j][k] = at + j * size * eb;
  });
  parts.batched(count);
  return true;
}
