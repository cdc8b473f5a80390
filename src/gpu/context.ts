import { checkComponentCount, describeComponents } from '../components.js';
import { describeData } from '../data.js';
import type { ImageGradientOptions } from '../image.js';
import { makePlan } from '../plan.js';
import type { GradientOptions, NumericArray } from '../types.js';
import { mapsWaitForPoll, requestGradientDevice } from './device.js';
import type { GpuLimits } from './dispatch.js';
import { hostCall } from './host.js';
import { type ImageRuntime, type ImageSource, ImageTextures, imageCall } from './image.js';
import { type PreparedImageKernel, type PrepareImageOptions, prepareImageKernel } from './image-kernel.js';
import { type DeviceOwner, Lifecycle } from './lifecycle.js';
import { GPU_OPTION_KEYS, gpuArguments, type OutputLayout, type PrepareOptions } from './operation.js';
import { checkContextOptions, DEFAULT_CHUNK_BYTES, effectiveLimits, type GradientContextOptions } from './options.js';
import { PipelineCache } from './pipelines.js';
import { BufferPool, type PoolStats } from './pool.js';
import { disposable, type PreparedKernel, type PrepareRuntime, prepareKernel } from './prepared.js';
import { scoped } from './scopes.js';
import { Transfer, type TransferStats } from './transfer.js';

/** Options of the host-array methods (`gradient`, `magnitude`, …): the plan's options and `out`. */
export interface HostCallOptions extends GradientOptions {
  /**
   * Float32Arrays to receive the results, one per output (one per selected axis for gradient; one for
   * magnitude and divergence; one or three for curl), each of the data's length; they are returned.
   * Reusing them avoids fresh host memory on every call.
   */
  out?: Float32Array[];
}

/** What a context holds: its buffer pool, compiled pipelines and host-path staging. */
export interface ContextStats extends PoolStats {
  /** Compiled shader modules (at most seven: three input loaders × two output layouts, and the image conversion). */
  shaderModules: number;
  /** Compiled pipelines (one per input format and kernel variant, never per shape). */
  pipelines: number;
  /** Bytes of the staging slots the host path keeps (outside the pool's cap). */
  stagingBytes: number;
  /** Host-path counters: groups (submits), jobs (pieces), map round trips, and time per phase. */
  transfer: TransferStats;
}

/**
 * The library on one device: a pipeline cache, a buffer pool and host-path staging shared by every call.
 * Host arrays go through `gradient`, `magnitude`, `divergence` and `curl`; GPU-resident arrays through
 * kernels made by `prepare`. Make one with `createGradient()`; `destroy()` (or `using`) frees it.
 *
 * A thin facade: the work is done by the modules it wires together (options.ts, lifecycle.ts,
 * pipelines.ts, host.ts with transfer.ts, prepared.ts).
 */
export class GradientContext {
  /** The device every call of this context runs on. */
  readonly device: GPUDevice;
  /** The device limits the planners work within. */
  readonly limits: GpuLimits;
  private readonly life: Lifecycle;
  private readonly pool: BufferPool;
  private readonly pipelines: PipelineCache;
  private readonly transfer: Transfer;
  private readonly host: ImageRuntime;
  private readonly textures: ImageTextures;
  /** Prepared kernels still alive: destroy() destroys them too. */
  private readonly kernels = new Set<{ destroy(): void }>();

  /** A context on `options.device`, or on a device it requests and owns (see createGradient). */
  static async create(options: GradientContextOptions = {}): Promise<GradientContext> {
    checkContextOptions(options); // before a device is requested, which a refusal would leak
    const device = options.device ?? (await requestGradientDevice());
    return new GradientContext(device, options, options.device ? 'caller' : 'context');
  }

  /**
   * A context on `device` whose owner is `owner`: 'context' destroys the device with the context;
   * 'default' is gpuGradient's shared context, replaced after a device loss.
   * @internal
   */
  static open(device: GPUDevice, options: GradientContextOptions, owner: DeviceOwner): GradientContext {
    return new GradientContext(device, options, owner);
  }

  private constructor(
    device: GPUDevice,
    options: GradientContextOptions,
    private readonly owner: DeviceOwner,
  ) {
    checkContextOptions(options);
    this.device = device;
    this.limits = effectiveLimits(device, options);
    this.pool = new BufferPool(device, options.maxPooledBytes, options.maxPooledBuffers);
    this.pipelines = new PipelineCache(device, this.limits);
    this.life = new Lifecycle(device, owner, () => {
      // Everything tied to the device is dead: forget it without touching it.
      this.pool.forget();
      this.transfer.destroy(true);
      this.pipelines.clear(false);
      this.textures.destroy(true);
    });
    this.textures = new ImageTextures(device);
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    const life = this.life;
    this.transfer = new Transfer(
      device,
      this.pool,
      {
        whileAlive: (p) => life.whileAlive(p),
        checkUsable: () => life.checkUsable(),
        translate: (e) => life.translate(e),
        scoped: (body) => scoped(device, body),
      },
      { chunkBytes, pollingMaps: mapsWaitForPoll() },
    );
    this.host = {
      device,
      limits: this.limits,
      pipelines: this.pipelines,
      pool: this.pool,
      life,
      transfer: this.transfer,
      chunkBytes,
      textures: this.textures,
    };
  }

  /** gpuGradient on this context's device: one Float32Array per selected axis. */
  async gradient(data: NumericArray, options?: HostCallOptions): Promise<Float32Array[]> {
    const info = describeData(data);
    return hostCall(this.host, { arrays: [data], kind: info.kind }, makePlan(info, options, GPU_OPTION_KEYS), 'gradient', options?.out);
  }

  /** √(Σ_k (∂f/∂x_k)²) over the selected axes, in one pass: one Float32Array. */
  async magnitude(data: NumericArray, options?: HostCallOptions): Promise<Float32Array> {
    const info = describeData(data);
    return (
      await hostCall(this.host, { arrays: [data], kind: info.kind }, makePlan(info, options, GPU_OPTION_KEYS), 'magnitude', options?.out)
    )[0];
  }

  /** Σ_k ∂v_k/∂x_k, component k paired with selected axis k, in one pass: one Float32Array. */
  async divergence(components: readonly NumericArray[], options?: HostCallOptions): Promise<Float32Array> {
    const { list, info } = describeComponents(components);
    const plan = makePlan(info, options, GPU_OPTION_KEYS);
    checkComponentCount(plan, list.length, 'divergence');
    return (await hostCall(this.host, { arrays: list, kind: info.kind }, plan, 'divergence', options?.out))[0];
  }

  /** Curl of a 2-D (one array) or 3-D (three arrays) vector field over the selected axes, in one pass. */
  async curl(components: readonly NumericArray[], options?: HostCallOptions): Promise<Float32Array[]> {
    const { list, info } = describeComponents(components);
    const plan = makePlan(info, options, GPU_OPTION_KEYS);
    checkComponentCount(plan, list.length, 'curl');
    return hostCall(this.host, { arrays: list, kind: info.kind }, plan, plan.axes.length === 2 ? 'curl2' : 'curl3', options?.out);
  }

  /**
   * The gradient of an image's luminance (or one channel) as an array of shape [height, width]: `source`
   * goes to the GPU with copyExternalImageToTexture (a GPUTexture is read as it is), never through a CPU
   * typed array. [d/drow, d/dcol], or one array with `output: 'magnitude'`.
   */
  async imageGradient(source: ImageSource, options?: ImageGradientOptions & { out?: Float32Array[] }): Promise<Float32Array[]> {
    return imageCall(this.host, source, options);
  }

  /**
   * Prepares a gradient (or fused field) of a GPU-resident array for one shape and set of options: checks
   * them, compiles or fetches the pipelines and writes the uniform and weight buffers, so that the
   * kernel's `encode` records synchronously — inside a frame, into an encoder or an open compute pass,
   * as often as wanted with different buffers. `destroy()` (or `using`) frees what it owns.
   */
  async prepare(options: PrepareOptions): Promise<PreparedKernel> {
    return this.tracked((rt, forget) => prepareKernel(rt, options, forget));
  }

  /**
   * Prepares per-frame image work for one image size and gpuImageGradient's options: `encode` writes the
   * gradient (or magnitude) of a frame into your buffers, `draw` draws it into a storage texture; both
   * record synchronously, so they run inside a frame callback, from a GPUTexture, a GPUExternalTexture, a
   * video element or a VideoFrame. Nothing is read back.
   */
  async prepareImage(options: PrepareImageOptions): Promise<PreparedImageKernel> {
    return this.tracked((rt, forget) => prepareImageKernel(rt, options, forget));
  }

  /** A kernel made by `make`, destroyed with the context (also when the context is destroyed while it is being made). */
  private async tracked<K extends { destroy(): void }>(make: (rt: PrepareRuntime, forget: (kernel: K) => void) => Promise<K>): Promise<K> {
    const rt = { device: this.device, limits: this.limits, pipelines: this.pipelines, life: this.life };
    const kernel = await make(rt, (k) => this.kernels.delete(k));
    this.kernels.add(kernel);
    if (this.life.isDestroyed) kernel.destroy();
    return kernel;
  }

  /**
   * Byte layout of a stacked output (and of stacked components, for `derived`) for these options, as the
   * prepared kernel's `outputLayout`: for sizing buffers before preparing.
   */
  outputLayout(options: PrepareOptions): OutputLayout {
    return gpuArguments(options, 'outputLayout', this.limits).layout;
  }

  /** Buffers pooled and alive, compiled pipelines, staging bytes and host-path counters. */
  stats(): ContextStats {
    return {
      ...this.pool.stats(),
      ...this.pipelines.counts,
      stagingBytes: this.transfer.stagingBytes(),
      transfer: { ...this.transfer.stats },
    };
  }

  /**
   * Frees the context: pooled buffers, staging, prepared kernels, and the device when the context
   * requested it. Calls in flight that have submitted their work still finish; later calls reject with
   * `destroyed`.
   */
  destroy(): void {
    if (!this.life.markDestroyed()) return;
    if (!this.life.isLost) this.pool.close();
    this.transfer.destroy(this.life.isLost);
    for (const kernel of [...this.kernels]) kernel.destroy();
    this.pipelines.clear(true);
    this.textures.destroy();
    if (this.owner === 'context' || this.owner === 'default') this.device.destroy();
  }

  /** Whether the device was lost (every call then rejects with `device-lost`). */
  get isLost(): boolean {
    return this.life.isLost;
  }
}

disposable(GradientContext);
