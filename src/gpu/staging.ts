import { BufferUsage, MapMode } from './flags.js';
import { sizeClass } from './pool.js';

/**
 * The host path's staging buffers: a ring per direction of at most RING_SIZE mappable buffers, owned by
 * the context and outside the buffer pool's cap. Upload buffers (MAP_WRITE) are mapped again as soon
 * as their copy is submitted, so the next call finds one mapped; readback buffers (MAP_READ) are mapped
 * once their group's results are copied into them. None exceeds what one group moves: once warm, no
 * call creates a mappable buffer.
 */

export const RING_SIZE = 3;

/** One mappable buffer of a ring, and its state. */
export interface StagingBuffer {
  readonly buffer: GPUBuffer;
  busy: boolean;
  /** Upload buffers: mapped for writing now (the last re-map has resolved). */
  mapped: boolean;
  /** Resolves once the buffer is mapped (upload buffers) or usable. */
  ready: Promise<void>;
}

export interface StagingHooks {
  /** Throws if the context can no longer be used (destroyed or lost). */
  checkUsable(): void;
  /** Awaits a device promise, failing as soon as the device is lost. */
  whileAlive<T>(promise: Promise<T>): Promise<T>;
  /** A synchronous block inside error scopes; `errors` resolves to the first error, or null. */
  scoped<T>(body: () => T): { value: T; errors: Promise<Error | null> };
  /** Waits for a map (map-wait.ts). */
  waitForMap(map: Promise<void>): Promise<void>;
}

const UPLOAD = BufferUsage.MAP_WRITE | BufferUsage.COPY_SRC;
const READBACK = BufferUsage.MAP_READ | BufferUsage.COPY_DST;

export class Staging {
  private readonly uploads: StagingBuffer[] = [];
  private readonly readbacks: StagingBuffer[] = [];
  private readonly waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly device: GPUDevice,
    private readonly hooks: StagingHooks,
  ) {}

  /** A free upload buffer of at least `bytes`, mapped (waiting for one while all are busy), marked busy. */
  acquireUpload(bytes: number): Promise<StagingBuffer> {
    return this.acquire(this.uploads, bytes, UPLOAD, true);
  }

  /** A free readback buffer of at least `bytes` (waiting for one while all are busy), marked busy. */
  acquireReadback(bytes: number): Promise<StagingBuffer> {
    return this.acquire(this.readbacks, bytes, READBACK, false);
  }

  /**
   * A free readback buffer of at least `bytes`, marked busy, without waiting; null when there is none (then
   * `acquireReadback`). Readback buffers are usable as soon as they are free: most calls take one here.
   */
  freeReadback(bytes: number): StagingBuffer | null {
    if (this.closed) return null;
    const staged = freeFitting(this.readbacks, sizeClass(bytes));
    if (staged) staged.busy = true;
    return staged ?? null;
  }

  /** A free upload buffer of at least `bytes` that is mapped now, marked busy; null when there is none. */
  readyUpload(bytes: number): StagingBuffer | null {
    if (this.closed) return null;
    const size = sizeClass(bytes);
    const ready = this.uploads.filter((s) => !s.busy && s.mapped && s.buffer.size >= size).sort(bySize)[0];
    if (ready) ready.busy = true;
    return ready ?? null;
  }

  /**
   * A new upload buffer of at least `bytes`, created mapped and marked busy, where the ring has room or a
   * free one too small to keep; null when every one is busy (or mapping again, and big enough). The
   * caller runs this inside its error scopes.
   */
  newMappedUpload(bytes: number): StagingBuffer | null {
    if (this.closed) return null;
    const size = sizeClass(bytes);
    if (this.uploads.length >= RING_SIZE) {
      const small = this.uploads.filter((s) => !s.busy && s.buffer.size < size).sort(bySize)[0];
      if (!small) return null;
      this.drop(small, false);
    }
    const buffer = this.device.createBuffer({ label: 'webgpu-gradient staging', size, usage: UPLOAD, mappedAtCreation: true });
    const staged: StagingBuffer = { buffer, busy: true, mapped: true, ready: Promise.resolve() };
    this.uploads.push(staged);
    return staged;
  }

  /** Maps an upload buffer again (its copy is submitted) and frees it: it is ready for the next call once mapped. */
  remap(staged: StagingBuffer): void {
    staged.ready = this.hooks.waitForMap(staged.buffer.mapAsync(MapMode.WRITE)).then(
      () => {
        staged.mapped = true;
      },
      () => {
        // A failed re-map (device lost or destroyed) leaves the buffer unusable: drop it.
        this.drop(staged);
      },
    );
    this.release(staged);
  }

  /** Frees a staging buffer for the next group (destroyed instead once the staging is closed). */
  release(staged: StagingBuffer): void {
    staged.busy = false;
    if (this.closed) staged.buffer.destroy();
    this.wake();
  }

  /** Destroys a staging buffer (of either ring) whose work failed or that is being replaced. */
  drop(staged: StagingBuffer, wake = true): void {
    for (const ring of [this.uploads, this.readbacks]) {
      const i = ring.indexOf(staged);
      if (i >= 0) ring.splice(i, 1);
    }
    staged.buffer.destroy();
    if (wake) this.wake();
  }

  /** Bytes held in staging buffers (for stats). */
  bytes(): number {
    return [...this.uploads, ...this.readbacks].reduce((sum, s) => sum + s.buffer.size, 0);
  }

  /** Staging buffers per ring (tests). */
  counts(): { uploads: number; readbacks: number } {
    return { uploads: this.uploads.length, readbacks: this.readbacks.length };
  }

  /** Destroys the free staging buffers (forgets them all when the device is lost); busy ones go when released. */
  close(forgetOnly = false): void {
    this.closed = true;
    for (const staged of [...this.uploads, ...this.readbacks]) if (!staged.busy && !forgetOnly) staged.buffer.destroy();
    this.uploads.length = 0;
    this.readbacks.length = 0;
    this.wake(); // waiters find the staging closed and fail
  }

  private async acquire(ring: StagingBuffer[], bytes: number, usage: number, mapped: boolean): Promise<StagingBuffer> {
    const size = sizeClass(bytes);
    for (;;) {
      if (this.closed) this.hooks.checkUsable();
      const staged = freeFitting(ring, size);
      const smallest = staged ? undefined : freeSmallest(ring);
      if (!staged && (ring.length < RING_SIZE || smallest)) {
        // A new buffer, or one replacing the smallest free one (too small for this job); it joins the ring
        // before any await, so concurrent acquirers never grow the ring past RING_SIZE. A new upload
        // buffer is created mapped: no round trip before its first use.
        const old = ring.length < RING_SIZE ? null : smallest;
        if (old) this.drop(old, false);
        const { value: buffer, errors } = this.hooks.scoped(() =>
          this.device.createBuffer({ label: 'webgpu-gradient staging', size, usage, mappedAtCreation: mapped }),
        );
        const created: StagingBuffer = { buffer, busy: true, mapped, ready: Promise.resolve() };
        ring.push(created);
        const error = await errors;
        if (error) {
          this.drop(created);
          throw error;
        }
        return created;
      }
      if (staged) {
        staged.busy = true;
        await this.hooks.whileAlive(staged.ready);
        return staged;
      }
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  /**
   * Every waiter checks again: they wait on either ring, so waking only one could wake a waiter for the
   * other ring and leave the right one asleep for good (seen as a hang with seven concurrent staged calls).
   */
  private wake(): void {
    // Most calls release a buffer with nobody waiting: no copy of the empty list (splice(0) made one, 32
    // bytes a sequential host call; bench/NOTES.md, eleventh session).
    if (this.waiters.length === 0) return;
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/**
 * The ring's smallest free buffer of at least `size` bytes (the first of equal sizes). A loop, not filters
 * and a sort, and no object of two answers: every small call passes here (bench/alloc.mjs).
 */
function freeFitting(ring: readonly StagingBuffer[], size: number): StagingBuffer | undefined {
  let staged: StagingBuffer | undefined;
  for (let i = 0; i < ring.length; i++) {
    const s = ring[i];
    if (!s.busy && s.buffer.size >= size && (!staged || s.buffer.size < staged.buffer.size)) staged = s;
  }
  return staged;
}

/** The ring's smallest free buffer of any size (the first of equal sizes), to be replaced by a larger one. */
function freeSmallest(ring: readonly StagingBuffer[]): StagingBuffer | undefined {
  let smallest: StagingBuffer | undefined;
  for (let i = 0; i < ring.length; i++) {
    const s = ring[i];
    if (!s.busy && (!smallest || s.buffer.size < smallest.buffer.size)) smallest = s;
  }
  return smallest;
}

function bySize(a: StagingBuffer, b: StagingBuffer): number {
  return a.buffer.size - b.buffer.size;
}
