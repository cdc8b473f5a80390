import { hasWeights, packWeights } from './coefficients.js';
import { BufferUsage } from './flags.js';
import type { PipelineCache } from './pipelines.js';
import type { BufferPool } from './pool.js';
import { packUniforms, uniformStride } from './record.js';
import type { GpuLimits } from './steps.js';
import type { Work } from './work.js';

/**
 * The work of whole-array host calls kept from one call to the next of the same plan, as a prepared kernel
 * keeps its own: the dispatches and their pipelines, uniforms and weights written once into buffers the
 * entry holds, and the bind groups of each (input, output) pair of pooled buffers it has run on. A
 * repeated small call then plans nothing, writes no uniforms and, once the pool hands it buffers it has
 * seen, creates no bind group. Bounded (least recently used first out). An entry's buffers come from the
 * pool and go back to it when the entry is evicted, or when the last call holding it is done, so a
 * program whose every call has a new plan (186 plans, none repeated, in the boundary fixtures' test) costs
 * what it cost before: a pooled uniform buffer and its write per call. Plans whose weights vary with more
 * than the plan key (grids other than prepared coordinates) and streamed calls are not kept (host.ts
 * decides); a mask is not part of the work (its points go up as NaN), so masked calls keep theirs. The entries hold at most the pool's `maxPooledBytes` (bar the newest).
 */

export interface KeptWork {
  readonly work: Work;
  readonly uniforms: GPUBuffer;
  readonly uniformStride: number;
  readonly weights: GPUBuffer;
  /** The bind groups of this work's steps on these buffers (one output buffer), or null before `keepGroups` has kept them. */
  groups(input: GPUBuffer, output: GPUBuffer): GPUBindGroup[] | null;
  /** Keeps `groups` as the bind groups on these buffers, and returns them. */
  keepGroups(input: GPUBuffer, output: GPUBuffer, groups: GPUBindGroup[]): GPUBindGroup[];
  /** What the entry's calls share beside the work (their JobBatch), made by `make(from)` the first time. */
  shared<T, A>(make: (from: A) => T, from: A): T;
  /**
   * The call is done with the entry (its GPU work has completed): once per `hit` or `acquire` that gave it.
   * Every call of an entry is given the same object (no hold made a call), so a second release would give
   * up another call's hold.
   */
  release(): void;
}

interface Entry {
  readonly work: Work;
  readonly uniforms: GPUBuffer;
  readonly weights: GPUBuffer | null; // null: the device's empty weights (not ours to release)
  /** What the steps bind as weights: `weights`, or the device's empty weights. */
  readonly bindWeights: GPUBuffer;
  readonly uniformStride: number;
  readonly bound: WeakMap<GPUBuffer, WeakMap<GPUBuffer, GPUBindGroup[]>>;
  shared: unknown;
  users: number;
  evicted: boolean;
  /** What its calls are given (view): one for the entry, made at its first. */
  hold: Hold | null;
}

/** Entries kept per context: distinct plans a program calls over and over (shapes, options, operations). */
export const KEPT_WORK_LIMIT = 64;

export class WorkCache {
  private readonly entries = new Map<string, Entry>();
  /** The most recently used entry (last in `entries`). */
  private newest: Entry | null = null;
  private readonly making = new Map<string, Promise<Entry>>();
  /** Calls waiting for the entry of a key being made. */
  private readonly claims = new Map<string, number>();
  readonly stats = { hits: 0, misses: 0, evictions: 0 };
  /** Cleared for good (the context is destroyed or lost): work made afterwards is not kept. */
  private closed = false;

  constructor(
    private readonly device: GPUDevice,
    private readonly limits: GpuLimits,
    private readonly pipelines: PipelineCache,
    private readonly pool: BufferPool,
    private readonly limit = KEPT_WORK_LIMIT,
  ) {}

  /** The kept work under `key`, made by `plan` (which plans the steps and fetches their pipelines) the first time. */
  async acquire(key: string, plan: () => Promise<Work>): Promise<KeptWork> {
    return this.hit(key) ?? this.make(key, plan);
  }

  /** The kept work of `key` held for a call, without waiting, or null when none is kept (yet). */
  hit(key: string): KeptWork | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    this.stats.hits++;
    entry.users++; // before any await: eviction never releases an entry a call holds
    if (entry !== this.newest) {
      // Most recently used last. Not for the newest again (a program repeating one call): a delete and a
      // set on every call left holes that V8's table reallocated to clear, about 0.15 KB a call.
      this.entries.delete(key);
      this.entries.set(key, entry);
      this.newest = entry;
    }
    return this.view(entry);
  }

  private async make(key: string, plan: () => Promise<Work>): Promise<KeptWork> {
    this.stats.misses++;
    // Calls waiting for the entry are its users from the moment it is kept (keep), so that an eviction
    // in between (other plans kept meanwhile) does not release it under them.
    this.claims.set(key, (this.claims.get(key) ?? 0) + 1);
    let making = this.making.get(key);
    if (!making) {
      making = plan().then((work) => this.keep(key, work));
      this.making.set(key, making);
      making.then(
        () => this.making.delete(key),
        () => {
          this.making.delete(key);
          this.claims.delete(key);
        },
      );
    }
    return this.view(await making);
  }

  /** Forgets every entry and keeps none from now on; `release`: returns their buffers to the pool too (false once the device is lost). */
  clear(release: boolean): void {
    this.closed = true;
    for (const entry of this.entries.values()) {
      entry.evicted = true;
      if (release && entry.users === 0) this.releaseEntry(entry);
    }
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Buffers the kept entries hold from the pool (live, not idle), and their bytes. */
  held(): { buffers: number; bytes: number } {
    let buffers = 0;
    let bytes = 0;
    for (const e of this.entries.values()) {
      buffers += e.weights ? 2 : 1;
      bytes += entryBytes(e);
    }
    return { buffers, bytes };
  }

  private keep(key: string, work: Work): Entry {
    const stride = uniformStride(this.limits.minUniformBufferOffsetAlignment);
    const { plan, steps } = work;
    const packed = packWeights(plan, work.op);
    let weights: GPUBuffer | null = null;
    if (hasWeights(packed)) {
      weights = this.pool.acquire(packed.data.byteLength, BufferUsage.STORAGE | BufferUsage.COPY_DST);
      this.device.queue.writeBuffer(weights, 0, packed.data);
    }
    const uniforms = this.pool.acquire(Math.max(steps.length * stride, 16), BufferUsage.UNIFORM | BufferUsage.COPY_DST);
    if (steps.length > 0) this.device.queue.writeBuffer(uniforms, 0, packUniforms(steps, plan, packed, work.componentStride, stride));
    // Made after the context closed (a call in flight through destroy): its buffers go back to the pool,
    // which destroys them, when its calls release it.
    const entry: Entry = {
      work,
      uniforms,
      weights,
      bindWeights: weights ?? this.pipelines.noWeights(),
      uniformStride: stride,
      bound: new WeakMap(),
      shared: undefined,
      users: this.claims.get(key) ?? 0,
      evicted: this.closed,
      hold: null,
    };
    this.claims.delete(key);
    if (this.closed) return entry;
    this.entries.set(key, entry);
    this.newest = entry;
    this.evict(entry);
    return entry;
  }

  /**
   * Drops least recently used entries beyond the limit, or while the entries hold more bytes than the pool
   * may keep idle (`maxPooledBytes`: a prepared grid's entry holds its metric terms, 16 bytes a point in
   * 2-D); never `newest`, the entry just kept. One still in use goes back to the pool when released.
   */
  private evict(newest: Entry): void {
    let bytes = this.held().bytes;
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.limit && bytes <= this.pool.maxPooledBytes) return;
      if (entry === newest) return;
      this.entries.delete(key);
      bytes -= entryBytes(entry);
      entry.evicted = true;
      this.stats.evictions++;
      if (entry.users === 0) this.releaseEntry(entry);
    }
  }

  /**
   * A call's hold on an entry (counted in `users` already): the entry's one Hold, not one a call (about 80
   * bytes; bench/NOTES.md, eleventh session).
   */
  private view(entry: Entry): KeptWork {
    entry.hold ??= new Hold(entry, this);
    return entry.hold;
  }

  /** A call is done with `entry` (Hold.release). */
  unhold(entry: Entry): void {
    if (--entry.users === 0 && entry.evicted) this.releaseEntry(entry);
  }

  /** Its buffers back to the pool (destroyed there once the pool is closed); no call holds the entry. */
  private releaseEntry(entry: Entry): void {
    this.pool.release(entry.uniforms);
    if (entry.weights) this.pool.release(entry.weights);
  }
}

/** The calls' hold on an entry: one object per entry, its methods on the prototype rather than closures made per call. */
class Hold implements KeptWork {
  readonly work: Work;
  readonly uniforms: GPUBuffer;
  readonly uniformStride: number;
  readonly weights: GPUBuffer;

  constructor(
    private readonly entry: Entry,
    private readonly cache: WorkCache,
  ) {
    this.work = entry.work;
    this.uniforms = entry.uniforms;
    this.uniformStride = entry.uniformStride;
    this.weights = entry.bindWeights;
  }

  groups(input: GPUBuffer, output: GPUBuffer): GPUBindGroup[] | null {
    return this.entry.bound.get(input)?.get(output) ?? null;
  }

  keepGroups(input: GPUBuffer, output: GPUBuffer, groups: GPUBindGroup[]): GPUBindGroup[] {
    let byOutput = this.entry.bound.get(input);
    if (!byOutput) {
      byOutput = new WeakMap();
      this.entry.bound.set(input, byOutput);
    }
    byOutput.set(output, groups);
    return groups;
  }

  shared<T, A>(make: (from: A) => T, from: A): T {
    this.entry.shared ??= make(from);
    return this.entry.shared as T;
  }

  release(): void {
    this.cache.unhold(this.entry);
  }
}

/** Bytes of the buffers an entry holds. */
function entryBytes(entry: Entry): number {
  return entry.uniforms.size + (entry.weights?.size ?? 0);
}
