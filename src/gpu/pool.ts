/**
 * Reuses GPU buffers across calls. Sizes are rounded up to one of eight classes per power of two
 * (at most 12.5 % waste), so calls of similar shapes share buffers. Buffers come back only once the work
 * that used them has finished (the caller's job), and the pool is capped: beyond `maxPooledBytes` or
 * `maxPooledBuffers` idle buffers, the oldest are destroyed.
 */
export interface PoolStats {
  /** Buffers this pool created and has not destroyed (in use or idle). */
  liveBuffers: number;
  /** Bytes of those buffers. */
  liveBytes: number;
  /** Idle buffers kept for reuse. */
  pooledBuffers: number;
  /** Bytes of the idle buffers. */
  pooledBytes: number;
  /** Buffers created since the pool began. */
  created: number;
  /** Requests served by an idle buffer instead of a new one. */
  reused: number;
}

/**
 * The size a buffer of `size` bytes is made at: at least 256, rounded up to a multiple of an eighth of the
 * largest power of two not above it (at most 12.5 % spare), so that nearby sizes share idle buffers. The
 * step comes from the leading zeros below 2³²: with Math.log2 and a power this took 65–85 ns a call against
 * 7–10 ns (scratch micro-benchmark, this 2-core VM), and a small host call makes four of them (0.3 µs of its
 * 4.6 µs on a null device, bench/NOTES.md).
 */
export function sizeClass(size: number): number {
  const s = Math.max(size, 256);
  const step = s < 0x100000000 ? 0x80000000 >>> (Math.clz32(s) + 3) : 2 ** Math.floor(Math.log2(s)) / 8;
  return Math.ceil(s / step) * step;
}

export class BufferPool {
  /**
   * Idle buffers by size class and usage (idleKey): a number, not a string made on every call. Each list
   * is in the order its buffers were released (taken back from the end), so its first is its oldest.
   */
  private readonly idle = new Map<number, GPUBuffer[]>();
  /**
   * When each live buffer was last released, for trimming the oldest idle one first: a stamp updated in
   * place, not an ordered Set that each reuse deletes from and each release adds to (those left holes
   * that V8 reallocated its table to clear, about 0.1 KB of garbage a call; with an array and its search
   * instead, `reuse` spent 14 ms of self time over 3,500 small calls, bench/NOTES.md).
   */
  private readonly released = new Map<GPUBuffer, number>();
  private clock = 0;
  private readonly stat: PoolStats = { liveBuffers: 0, liveBytes: 0, pooledBuffers: 0, pooledBytes: 0, created: 0, reused: 0 };
  private closed = false;

  constructor(
    private readonly device: GPUDevice,
    public maxPooledBytes = 256 * 2 ** 20,
    public maxPooledBuffers = 64,
  ) {}

  acquire(size: number, usage: number, label = 'webgpu-gradient'): GPUBuffer {
    return this.reuse(size, usage) ?? this.create(size, usage, label);
  }

  /** An idle buffer of this size class and usage, or null (nothing is allocated). */
  reuse(size: number, usage: number): GPUBuffer | null {
    const classSize = sizeClass(size);
    const list = this.idle.get(idleKey(usage, classSize));
    const reused = list?.pop();
    if (!reused) return null;
    this.stat.pooledBuffers--;
    this.stat.pooledBytes -= classSize;
    this.stat.reused++;
    return reused;
  }

  /** A new buffer of this size class and usage, counted as live. */
  create(size: number, usage: number, label = 'webgpu-gradient'): GPUBuffer {
    const classSize = sizeClass(size);
    const buffer = this.device.createBuffer({ size: classSize, usage, label });
    this.stat.liveBuffers++;
    this.stat.liveBytes += classSize;
    this.stat.created++;
    return buffer;
  }

  /** Returns a buffer whose GPU work has completed (destroyed instead once the pool is closed). */
  release(buffer: GPUBuffer): void {
    if (this.closed) {
      this.destroy(buffer);
      return;
    }
    const key = idleKey(buffer.usage, buffer.size);
    let list = this.idle.get(key);
    if (!list) {
      list = [];
      this.idle.set(key, list);
    }
    list.push(buffer);
    this.released.set(buffer, ++this.clock);
    this.stat.pooledBuffers++;
    this.stat.pooledBytes += buffer.size;
    this.trim(this.maxPooledBytes);
  }

  /** Destroys the oldest idle buffers until at most `maxBytes` and `maxBuffers` stay pooled. */
  trim(maxBytes: number, maxBuffers = this.maxPooledBuffers): void {
    while ((this.stat.pooledBytes > maxBytes || this.stat.pooledBuffers > maxBuffers) && this.stat.pooledBuffers > 0) {
      // The oldest is the first of some list.
      let oldest: GPUBuffer[] | null = null;
      let stamp = Number.POSITIVE_INFINITY;
      for (const list of this.idle.values()) {
        const s = list.length > 0 ? this.released.get(list[0])! : Number.POSITIVE_INFINITY;
        if (s < stamp) {
          stamp = s;
          oldest = list;
        }
      }
      const buffer = oldest!.shift()!;
      this.stat.pooledBuffers--;
      this.stat.pooledBytes -= buffer.size;
      this.destroy(buffer);
    }
  }

  /** Destroys a buffer this pool created (used or not). */
  destroy(buffer: GPUBuffer): void {
    this.stat.liveBuffers--;
    this.stat.liveBytes -= buffer.size;
    this.released.delete(buffer);
    buffer.destroy();
  }

  /**
   * Destroys the idle buffers and keeps no more: buffers of work still in flight are destroyed when they
   * come back. Nothing this pool created outlives the work that used it.
   */
  close(): void {
    this.trim(0, 0);
    this.closed = true;
  }

  /** Forgets every idle buffer without touching it: the device is gone, and its buffers with it. */
  forget(): void {
    this.closed = true; // buffers released later (a call failing after the loss) are destroyed, not pooled
    this.idle.clear();
    this.released.clear();
    this.stat.pooledBuffers = 0;
    this.stat.pooledBytes = 0;
  }

  stats(): PoolStats {
    return { ...this.stat };
  }
}

/** A size class and a usage as one number: usages are flags below 2^10, and sizes far below 2^43 bytes. */
export function idleKey(usage: number, size: number): number {
  return size * 1024 + usage;
}
