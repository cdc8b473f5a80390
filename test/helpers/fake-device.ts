/**
 * A GPUDevice made of plain JavaScript, for the transfer layer's unit tests: buffers hold bytes, copies
 * and "kernels" run at submit, and maps resolve only when the test says so (`resolveMaps`), so ring
 * contention, grouping, failures and destroy during flight are deterministic and need no GPU.
 */

const MAP_READ = 0x0001;
const MAP_WRITE = 0x0002;

export class FakeBuffer {
  readonly data: Uint8Array;
  mapState: 'unmapped' | 'pending' | 'mapped' = 'unmapped';
  destroyed = false;
  private ranges: { offset: number; bytes: Uint8Array }[] = [];

  constructor(
    private readonly owner: FakeDevice,
    readonly size: number,
    readonly usage: number,
    readonly label: string,
    mappedAtCreation: boolean,
  ) {
    this.data = new Uint8Array(size);
    if (mappedAtCreation) this.mapState = 'mapped';
  }

  mapAsync(mode: number, offset = 0, size = this.size - offset): Promise<void> {
    if (this.destroyed) return Promise.reject(new Error('mapAsync on a destroyed buffer'));
    if (this.mapState !== 'unmapped') {
      this.owner.invalidMaps++; // a validation error on a real device
      return Promise.reject(new Error(`mapAsync while ${this.mapState}`));
    }
    if (!(this.usage & (mode === 1 ? MAP_READ : MAP_WRITE))) return Promise.reject(new Error('mapAsync without map usage'));
    if (offset + size > this.size) return Promise.reject(new Error('mapAsync past the end'));
    this.mapState = 'pending';
    this.owner.maps++;
    return new Promise((resolve, reject) =>
      this.owner.pendingMaps.push(() => {
        if (this.destroyed) return reject(new Error('buffer destroyed while its map was pending'));
        this.mapState = 'mapped';
        resolve();
      }),
    );
  }

  getMappedRange(offset = 0, size = this.size - offset): ArrayBuffer {
    if (this.mapState !== 'mapped') throw new Error(`getMappedRange while ${this.mapState}`);
    const bytes = this.data.slice(offset, offset + size);
    this.ranges.push({ offset, bytes });
    return bytes.buffer;
  }

  unmap(): void {
    if (this.mapState === 'mapped' && this.usage & MAP_WRITE) for (const r of this.ranges) this.data.set(r.bytes, r.offset);
    this.ranges = [];
    this.mapState = 'unmapped';
  }

  destroy(): void {
    if (!this.destroyed) this.owner.alive--;
    this.destroyed = true;
    this.ranges = [];
    this.mapState = 'unmapped';
  }
}

type Command = () => void;

class FakeEncoder {
  readonly commands: Command[] = [];
  copyBufferToBuffer(src: FakeBuffer, srcOffset: number, dst: FakeBuffer, dstOffset: number, size: number): void {
    this.commands.push(() => {
      if (src.destroyed || dst.destroyed) throw new Error('copy with a destroyed buffer');
      dst.data.set(src.data.subarray(srcOffset, srcOffset + size), dstOffset);
    });
  }
  /** What a test's job records as its "kernel": any function of the buffers, run at submit. */
  run(command: Command): void {
    this.commands.push(command);
  }
  finish(): { commands: Command[] } {
    return { commands: this.commands };
  }
}

export class FakeDevice {
  /** Buffers created and not destroyed. */
  alive = 0;
  created: FakeBuffer[] = [];
  submits = 0;
  writes = 0;
  maps = 0;
  /** mapAsync calls on a buffer already mapped or pending: each a validation error on a real device. */
  invalidMaps = 0;
  readonly pendingMaps: (() => void)[] = [];
  readonly lost = new Promise<never>(() => {});
  readonly queue = {
    writeBuffer: (buffer: FakeBuffer, offset: number, view: ArrayBufferView) => {
      if (buffer.destroyed) throw new Error('writeBuffer to a destroyed buffer');
      this.writes++;
      buffer.data.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), offset);
    },
    submit: (buffers: { commands: Command[] }[]) => {
      this.submits++;
      for (const b of buffers) for (const c of b.commands) c();
    },
  };

  createBuffer(d: { size: number; usage: number; label?: string; mappedAtCreation?: boolean }): FakeBuffer {
    const buffer = new FakeBuffer(this, d.size, d.usage, d.label ?? '', !!d.mappedAtCreation);
    this.alive++;
    this.created.push(buffer);
    return buffer;
  }

  createCommandEncoder(): FakeEncoder {
    return new FakeEncoder();
  }

  /** Error scopes: open ones counted (a group must pop what it pushed). */
  scopes = 0;
  /** What the next pops report, in order (then null: nothing caught): null, an error's message, or a pop that rejects. */
  readonly nextPops: ({ message: string } | { rejects: Error } | null)[] = [];
  pushErrorScope(): void {
    this.scopes++;
  }
  popErrorScope(): Promise<{ message: string } | null> {
    if (this.scopes === 0) return Promise.reject(new Error('popErrorScope with no scope open'));
    this.scopes--;
    const next = this.nextPops.shift();
    return next && 'rejects' in next ? Promise.reject(next.rejects) : Promise.resolve(next ?? null);
  }

  /** Resolves every map requested so far (the GPU finished); returns how many. */
  resolveMaps(): number {
    const pending = this.pendingMaps.splice(0);
    for (const resolve of pending) resolve();
    return pending.length;
  }

  /** Staging buffers alive now, by direction. */
  stagingAlive(): { uploads: number; readbacks: number } {
    const alive = this.created.filter((b) => !b.destroyed);
    return { uploads: alive.filter((b) => b.usage & MAP_WRITE).length, readbacks: alive.filter((b) => b.usage & MAP_READ).length };
  }

  asDevice(): GPUDevice {
    return this as unknown as GPUDevice;
  }
}

/** Lets microtasks and one macrotask run, then resolves the maps requested meanwhile, `rounds` times. */
export async function drive(device: FakeDevice, rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, 0));
    device.resolveMaps();
  }
}
