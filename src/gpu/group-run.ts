import { dawnTaskSettled, dawnTaskStarted } from './device.js';
import { MapMode } from './flags.js';
import type { Group } from './group.js';
import type { QueuedJob } from './jobs.js';
import { invalid, outOfMemory } from './scopes.js';
import type { StagingBuffer } from './staging.js';

/**
 * One group of the scheduler (transfer.ts) from its submit to its end, waited for without an async frame
 * or a promise chain of its own: its out-of-memory and validation scopes, then (rarely) the scopes of its
 * inputs taken into new buffers, then its readback map. Each wait is one reaction on the device's own
 * promise, calling a function made once per group; the group is also its recording's `Group`. Every
 * sequential call is a group: its async function, chained scopes and guarded map were about 2.8 KB of a
 * sequential call's 7.1 KB on a null device (sampled by function); waiting this way took the call to 5.5
 * KB, and reusing runs (`retire`) to 3.75 (bench/NOTES.md, fifth session).
 *
 * The scopes first, then the map: in headless Chromium a map requested before the scopes had resolved
 * made a small call more than twice as slow; Node, Deno and Firefox ran the same either way
 * (bench/NOTES.md, host path). The device's loss ends the wait at once (`lose`, called by the owner, which
 * keeps the waiting groups in a list), as whileAlive does for other waits: a map may never settle once the
 * device has gone.
 */
export interface GroupOwner {
  /** The group's results can be read from its mapped readback buffer. */
  arrived(run: GroupRun): void;
  /** A scope caught an error, a scope or the map failed, or the device was lost: the group fails with `error`. */
  failed(run: GroupRun, error: unknown): void;
  /** Maps being waited for (the queue is kept moving meanwhile where maps wait for a poll; map-wait.ts). */
  mapStarted(): void;
  mapSettled(): void;
  /** The group waits from now on (the owner fails it, `lose`, if the device is lost meanwhile), or no longer. */
  waiting(run: GroupRun): void;
  done(run: GroupRun): void;
}

/** Not yet popped. */
const PENDING = Symbol('pending');

export class GroupRun implements Group {
  jobs: readonly QueuedJob[] = NO_JOBS;
  /** Why each job failed alone; undefined while it is to be computed. */
  failed: unknown[] = [];
  /** Taken inputs' own buffers (staged ones); those in arenas end with their arena. */
  readonly used: GPUBuffer[] = [];
  /** Staging buffers that taken inputs were written into: copied from by this group's commands. */
  readonly takenStaging: StagingBuffer[] = [];
  /** Upload buffers of streamed pieces, by job (none for most groups). */
  staged: StagingBuffer[] = NO_STAGED;
  readback: StagingBuffer = null!;
  /** Where each job's outputs land in the readback buffer (readbackLayout): kept, with its arrays, from group to group. */
  readonly positions: number[][] = [];
  total = 0;
  /** Whether the commands were submitted (upload buffers were copied from, or will never be). */
  submitted = false;
  /** Whether the group has ended (arrived or failed); what settles later is ignored. */
  ended = false;
  /** performance.now() when the wait began (stats). */
  waitStart = 0;
  /** Its place in the owner's list of waiting groups (-1: not waiting). */
  slot = -1;

  private oom: unknown = PENDING;
  private validation: unknown = PENDING;
  private inputErrors: Promise<Error | null>[] | null = null;

  constructor(private readonly owner: GroupOwner) {}

  /** Starts a group of `jobs`, on a new run or on one that `retire` made ready again. */
  begin(jobs: readonly QueuedJob[]): this {
    this.jobs = jobs;
    if (this.failed.length === jobs.length) this.failed.fill(undefined);
    else this.failed = new Array(jobs.length).fill(undefined);
    return this;
  }

  /**
   * Forgets the group that arrived, so that the run can serve the next (the scheduler keeps a few: a
   * sequential call then makes no run, and none of its functions). Only after `arrived`: every device
   * promise it waited on has settled, so nothing can call it for the old group. A failed run is not
   * reused: a pop or its map may still settle.
   */
  retire(): void {
    this.jobs = NO_JOBS;
    // Emptied by pop, which keeps the arrays' room: `length = 0` let V8 drop it, to be grown again next group.
    while (this.used.length > 0) this.used.pop();
    while (this.takenStaging.length > 0) this.takenStaging.pop();
    this.staged = NO_STAGED;
    this.readback = null!;
    this.total = 0;
    this.submitted = false;
    this.ended = false;
    this.waitStart = 0;
    this.slot = -1;
    this.oom = PENDING;
    this.validation = PENDING;
    this.inputErrors = null;
  }

  /**
   * Waits for the group's scope pops (out of memory first, the innermost scope), then `inputErrors`
   * (the scopes of inputs taken into new buffers, when there are any), then maps its readback buffer.
   */
  wait(oom: Promise<GPUError | null>, validation: Promise<GPUError | null>, inputErrors: Promise<Error | null>[] | null): void {
    this.inputErrors = inputErrors;
    this.owner.waiting(this);
    dawnTaskStarted();
    dawnTaskStarted();
    oom.then(this.oomPopped, this.oomRejected);
    validation.then(this.validationPopped, this.validationRejected);
  }

  /** Pops the scopes of a recording that threw, only so that they settle handled and counted. */
  static discardScopes(oom: Promise<GPUError | null>, validation: Promise<GPUError | null>): void {
    dawnTaskStarted();
    dawnTaskStarted();
    oom.then(dawnTaskSettled, dawnTaskSettled);
    validation.then(dawnTaskSettled, dawnTaskSettled);
  }

  // The reactions: functions made once per group, not a closure per wait.
  private readonly oomPopped = (error: GPUError | null) => this.popped(error && outOfMemory(error), true);
  private readonly oomRejected = (error: unknown) => this.popped(popFailure(error), true);
  private readonly validationPopped = (error: GPUError | null) => this.popped(error && invalid(error), false);
  private readonly validationRejected = (error: unknown) => this.popped(popFailure(error), false);

  /** One scope came back (`error`: what it reports, null if nothing); once both have, out of memory wins. */
  private popped(error: unknown, oom: boolean): void {
    dawnTaskSettled();
    if (oom) this.oom = error;
    else this.validation = error;
    if (this.ended || this.oom === PENDING || this.validation === PENDING) return;
    const found = this.oom ?? this.validation;
    if (found) this.fail(found);
    else if (this.inputErrors) Promise.all(this.inputErrors).then(this.inputsChecked, (error) => this.fail(error));
    else this.map();
  }

  private readonly inputsChecked = (found: (Error | null)[]) => {
    if (this.ended) return;
    const error = found.find((e) => e);
    if (error) this.fail(error);
    else this.map();
  };

  private map(): void {
    this.owner.mapStarted();
    dawnTaskStarted();
    this.readback.buffer.mapAsync(MapMode.READ, 0, this.total).then(this.mapped, this.mapFailed);
  }

  private readonly mapped = () => {
    dawnTaskSettled();
    this.owner.mapSettled();
    if (this.ended) return;
    this.end();
    this.owner.arrived(this);
  };

  private readonly mapFailed = (error: unknown) => {
    dawnTaskSettled();
    this.owner.mapSettled();
    this.fail(error ?? new Error('map failed'));
  };

  /** The device was lost while the group waited: it fails now (its map may never settle). */
  lose(error: unknown): void {
    this.fail(error);
  }

  /** The group fails once, now. */
  private fail(error: unknown): void {
    if (this.ended) return;
    this.end();
    this.owner.failed(this, error);
  }

  private end(): void {
    this.ended = true;
    this.owner.done(this);
  }
}

const NO_STAGED: StagingBuffer[] = [];
const NO_JOBS: readonly QueuedJob[] = [];

/** A pop that rejected (device lost or destroyed), as an error to report. */
function popFailure(error: unknown): unknown {
  return error ?? new Error('popErrorScope failed');
}
