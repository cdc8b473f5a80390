import { BufferUsage } from './flags.js';
import type { BufferPool } from './pool.js';
import { GATHER_PARAMS_BYTES, IMAGE_PARAMS_BYTES } from './uniforms.js';

/**
 * What repeated calls bind, kept from one call to the next: bind groups by the resources they bind
 * (`KeptGroups`), and small uniform buffers written once per key (`KeptUniforms`). The host path's table
 * kernel (kept-programs.ts), image conversions (image.ts) and views gathered on the GPU (gather.ts) each
 * keep theirs here; a bind group made per call cost more than the rest of a small call's host CPU on a
 * null device (bench/NOTES.md, eighth and ninth sessions).
 */

/** The map's value under `key`, made and set the first time. */
export function keyed<K extends object, V>(map: WeakMap<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

interface KeptGroup {
  readonly d: object;
  readonly e: object;
  readonly sizes: readonly [number, number, number, number];
  readonly group: GPUBindGroup;
}

/** Groups kept for one (a, b, c): other layouts, uniforms or ranges beyond these are made anew. */
const GROUPS_PER_KEY = 4;

/**
 * Bind groups found by what they bind: three resources (buffers or texture views: a kept group goes with
 * any of them once it is let go), two more objects compared by identity (a layout, a uniform buffer) and
 * four numbers (binding offsets and sizes; 0 where unused). Fixed arity, so a lookup allocates nothing.
 * `find(…) ?? keep(device.createBindGroup(…))`: a find that misses says where `keep` puts the new group.
 */
export class KeptGroups {
  private readonly groups = new WeakMap<object, WeakMap<object, WeakMap<object, KeptGroup[]>>>();
  private missed: { list: KeptGroup[]; entry: Omit<KeptGroup, 'group'> } | null = null;

  /** The kept group, or undefined (then `keep` keeps the next one made under this key). */
  find(a: object, b: object, c: object, d: object, e: object, n0: number, n1: number, n2: number, n3: number): GPUBindGroup | undefined {
    const list = keyed(
      keyed(keyed(this.groups, a, newWeakMap<object, WeakMap<object, KeptGroup[]>>), b, newWeakMap<object, KeptGroup[]>),
      c,
      newList,
    );
    for (const k of list) {
      const s = k.sizes;
      if (k.d === d && k.e === e && s[0] === n0 && s[1] === n1 && s[2] === n2 && s[3] === n3) return k.group;
    }
    this.missed = { list, entry: { d, e, sizes: [n0, n1, n2, n3] } };
    return undefined;
  }

  /** Keeps `group` under the key the last `find` missed (the oldest of a full list let go), and returns it. */
  keep(group: GPUBindGroup): GPUBindGroup {
    const missed = this.missed;
    this.missed = null;
    if (!missed) return group;
    if (missed.list.length === GROUPS_PER_KEY) missed.list.shift();
    missed.list.push({ ...missed.entry, group });
    return group;
  }
}

function newWeakMap<K extends object, V>(): WeakMap<K, V> {
  return new WeakMap();
}

function newList(): KeptGroup[] {
  return [];
}

/**
 * Uniform buffers of `bytes` from a pool, each written once when first asked for under its key and kept:
 * at most `limit`, the least recently used given back to the pool after the record and submit under way (a
 * later write to it is queued after that submit). Once closed, a buffer asked for goes back to the pool
 * after the call that asked.
 */
export class KeptUniforms {
  private readonly kept = new Map<string, GPUBuffer>();
  /** The most recently used key (last in `kept`). */
  private newest: string | null = null;
  private closed = false;

  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
    private readonly bytes: number,
    private readonly limit: number,
  ) {}

  /**
   * The kept buffer under `key`, now the most recently used, or undefined. The newest key is not moved
   * again: a delete and set on every repeated call left the map's table to be rebuilt (0.15 KB a call;
   * bench/NOTES.md, twelfth session).
   */
  find(key: string): GPUBuffer | undefined {
    const found = this.kept.get(key);
    if (found && key !== this.newest) {
      this.kept.delete(key);
      this.kept.set(key, found); // most recently used last
      this.newest = key;
    }
    return found;
  }

  /** A pooled buffer with `contents` written now, kept under `key` (not found: `find`). */
  put(key: string, contents: ArrayBuffer): GPUBuffer {
    const buffer = this.pool.acquire(this.bytes, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
    this.device.queue.writeBuffer(buffer, 0, contents);
    if (this.closed) {
      this.releaseLater(buffer);
      return buffer;
    }
    this.kept.set(key, buffer);
    this.newest = key;
    for (const [oldest, old] of this.kept) {
      if (this.kept.size <= this.limit) break;
      this.kept.delete(oldest);
      this.releaseLater(old);
    }
    return buffer;
  }

  /** Gives the kept buffers back to the pool (forgets them when the device is lost); later ones go back after their call. */
  close(forgetOnly = false): void {
    this.closed = true;
    if (!forgetOnly) for (const b of this.kept.values()) this.pool.release(b);
    this.kept.clear();
    this.newest = null;
  }

  private releaseLater(buffer: GPUBuffer): void {
    queueMicrotask(() => this.pool.release(buffer));
  }
}

/** A context's kept bindings: bind groups, and the uniforms of the image conversion and of GPU gathers per piece. */
export class KeptBindings {
  readonly groups = new KeptGroups();
  /** `ImageParams` per (first pixel, pixels, width) (image.ts). */
  readonly image: KeptUniforms;
  /** `GatherParams` per (piece, view layout) (gather.ts). */
  readonly gather: KeptUniforms;

  constructor(device: GPUDevice, pool: BufferPool) {
    this.image = new KeptUniforms(device, pool, IMAGE_PARAMS_BYTES, KEPT_UNIFORMS);
    this.gather = new KeptUniforms(device, pool, GATHER_PARAMS_BYTES, KEPT_UNIFORMS);
  }

  /** Gives the kept uniforms back (forgets them when the device is lost). */
  close(forgetOnly = false): void {
    this.image.close(forgetOnly);
    this.gather.close(forgetOnly);
  }
}

/** Uniform buffers kept per kind and context: distinct pieces a program repeats. */
const KEPT_UNIFORMS = 16;
