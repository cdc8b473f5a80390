import type { ImageGradientOptions } from '../image.js';
import type { GradientOptions, HalfArray, NumericArray, OutputType } from '../types.js';
import type { NdarrayLike } from '../view.js';
import { gpuArguments, type OutputLayout, type PrepareOptions } from './arguments.js';
import { requestGradientDevice } from './device.js';
import { hostCall } from './host.js';
import { type ImageRequest, type ImageSource, ImageTextures, imageCall, imageRequest } from './image.js';
import { type PreparedImageKernel, type PrepareImageOptions, prepareImageKernel } from './image-kernel.js';
import { KeptBindings } from './kept-groups.js';
import { forgetPrograms } from './kept-programs.js';
import { type DeviceOwner, Lifecycle } from './lifecycle.js';
import { mapsWaitForPoll } from './map-wait.js';
import { checkContextOptions, DEFAULT_CHUNK_BYTES, effectiveLimits, type GradientContextOptions } from './options.js';
import type { ContextParts, PrepareRuntime } from './parts.js';
import { PipelineCache } from './pipelines.js';
import { BufferPool, type PoolStats } from './pool.js';
import { disposable, type PreparedKernel, prepareKernel } from './prepared.js';
import { type HostRequest, hostRequest } from './request.js';
import { scoped } from './scopes.js';
import type { GpuLimits } from './steps.js';
import {
  adjointRequest,
  derivativesRequest,
  type GpuAdjointOptions,
  type GpuDerivativeOptions,
  hessianRequest,
  type PrepareDerivativesOptions,
  type PreparedDerivatives,
  type ProgramRequest,
  prepareDerivatives,
  programCall,
} from './table.js';
import { Transfer, type TransferStats } from './transfer.js';
import { WorkCache } from './work-cache.js';

/** Options of the host-array methods (`gradient`, `magnitude`, …): the plan's options, `out` and `outputType`. */
export interface HostCallOptions extends GradientOptions {
  /**
   * Arrays to receive the results, one per output (one per selected axis for gradient; one for
   * magnitude and divergence; one or three for curl), each of the data's length; they are returned.
   * Float32Arrays, or Float16Arrays with `outputType: 'float16'`. Reusing them avoids fresh host memory
   * on every call. An entry may be an ndarray view of such an array (`{ data, shape, stride(s), offset }`,
   * its shape's product the data's length): results are written through its strides, and the call
   * returns the view's data.
   */
  out?: (Float32Array | NdarrayLike<Float32Array>)[] | (HalfArray | NdarrayLike<HalfArray>)[];
  /**
   * 'float32' (default): Float32Array results. 'float16': the GPU writes halves and the call returns
   * Float16Arrays — half the bytes written and read back; results rounded to float16 (relative error
   * 2⁻¹¹ on top of the float32 bound; beyond ±65504 they become ±Infinity). Needs a runtime with
   * Float16Array (browsers, Deno, Bun; not Node 20).
   */
  outputType?: OutputType;
}

/** The result array type that a call's options ask for: Float16Array for `outputType: 'float16'`, else Float32Array. */
export type ResultOf<O> =
  O extends FloatResults<'float16'>
    ? HalfArray
    : O extends FloatResults<'float32'>
      ? Float32Array
      : O extends FloatResults<OutputType>
        ? Float32Array | HalfArray
        : Float32Array;

/** Options that name their results' type (see ResultOf). */
export interface FloatResults<T extends OutputType> {
  /** The element type of the results. */
  outputType: T;
}

/** What a context holds: its buffer pool, compiled pipelines and host-path staging. */
export interface ContextStats extends PoolStats {
  /** Compiled shader modules (at most sixteen: three input loaders × two layouts × two result types, the image conversion, drawing and the gather of views). */
  shaderModules: number;
  /** Compiled pipelines (one per input format and kernel variant, never per shape). */
  pipelines: number;
  /** Bytes of the staging slots the host path keeps (outside the pool's cap). */
  stagingBytes: number;
  /** Host-path counters: groups (submits), jobs (pieces), map round trips, and time per phase. */
  transfer: TransferStats;
  /** Work kept for repeated whole-array calls of one plan (its dispatches, uniforms, weights and bind groups). */
  keptWork: KeptWorkStats;
}

/** How host calls found the work kept for their plan (ContextStats.keptWork). */
export interface KeptWorkStats {
  /** Plans whose work is kept now (at most 64). */
  entries: number;
  /**
   * Buffers those entries hold from the pool (their uniforms and weights), and their bytes: live, in use
   * like a prepared kernel's, and outside the pool's caps on idle buffers.
   */
  buffers: number;
  /** Bytes of `buffers`. */
  bytes: number;
  /** Calls that found their plan's work kept. */
  hits: number;
  /** Calls that planned it (and kept it). */
  misses: number;
  /** Entries dropped, least recently used first, to keep at most 64. */
  evictions: number;
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
  /** The one object every module the context wires takes its parts from. */
  private readonly parts: ContextParts;
  private readonly textures: ImageTextures;
  private readonly works: WorkCache;
  private readonly kept: KeptBindings;
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
    this.works = new WorkCache(device, this.limits, this.pipelines, this.pool);
    this.life = new Lifecycle(device, owner, () => {
      // Everything tied to the device is dead: forget it without touching it.
      this.pool.forget();
      this.works.clear(false);
      this.transfer.destroy(true);
      this.pipelines.clear(false);
      this.textures.destroy(true);
      this.kept.close(true);
    });
    this.textures = new ImageTextures(device);
    this.kept = new KeptBindings(device, this.pool);
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    const life = this.life;
    this.transfer = new Transfer(
      device,
      this.pool,
      {
        whileAlive: (p) => life.whileAlive(p),
        watch: (lost) => life.watch(lost),
        checkUsable: () => life.checkUsable(),
        translate: (e) => life.translate(e),
        scoped: (body) => scoped(device, body),
      },
      {
        chunkBytes,
        pollingMaps: mapsWaitForPoll(),
        maxBindingBytes: Math.min(this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize),
        bindAlignment: this.limits.minStorageBufferOffsetAlignment,
      },
    );
    this.parts = {
      device,
      limits: this.limits,
      pipelines: this.pipelines,
      pool: this.pool,
      life,
      transfer: this.transfer,
      chunkBytes,
      textures: this.textures,
      works: this.works,
      kept: this.kept,
    };
  }

  /** gpuGradient on this context's device: one Float32Array (Float16Array with `outputType: 'float16'`) per selected axis. */
  gradient<O extends HostCallOptions>(data: NumericArray | NdarrayLike, options?: O): Promise<ResultOf<O>[]> {
    // Not an async method: bad input still rejects, without an async frame and two more microtask turns a call.
    try {
      return this.run(hostRequest('gradient', data, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** √(Σ_k (∂f/∂x_k)²) over the selected axes, in one pass: one Float32Array. */
  magnitude<O extends HostCallOptions>(data: NumericArray | NdarrayLike, options?: O): Promise<ResultOf<O>> {
    return this.runOne<ResultOf<O>>('magnitude', data, options);
  }

  /** Σ_k ∂v_k/∂x_k, component k paired with selected axis k, in one pass: one Float32Array. */
  divergence<O extends HostCallOptions>(components: readonly (NumericArray | NdarrayLike)[], options?: O): Promise<ResultOf<O>> {
    return this.runOne<ResultOf<O>>('divergence', components, options);
  }

  /**
   * Σ_k ∂²f/∂x_k² over the selected axes in one pass (the input read once, one output): the compact
   * second difference inside, second-order one-sided at an 'edge' boundary, wrapped when periodic.
   * Uniform steps only. cpuLaplacian is its float64 reference.
   */
  laplacian<O extends HostCallOptions>(data: NumericArray | NdarrayLike, options?: O): Promise<ResultOf<O>> {
    return this.runOne<ResultOf<O>>('laplacian', data, options);
  }

  /** Curl of a 2-D (one array) or 3-D (three arrays) vector field over the selected axes, in one pass. */
  curl<O extends HostCallOptions>(components: readonly (NumericArray | NdarrayLike)[], options?: O): Promise<ResultOf<O>[]> {
    try {
      return this.run(hostRequest('curl', components, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * A host call of one result (magnitude, divergence, Laplacian): that result. Not an async method, as
   * gradient is not: an async frame took 0.43 KB a call (bench/NOTES.md, twelfth session).
   */
  private runOne<R>(method: 'magnitude' | 'divergence' | 'laplacian', data: unknown, options: HostCallOptions | undefined): Promise<R> {
    try {
      return this.run<R>(hostRequest(method, data, options)).then(first);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Derivatives of any order and accuracy: one Float32Array per multi-index of `derivatives` (cpuDerivatives is the reference). */
  derivatives(data: NumericArray | NdarrayLike, options: GpuDerivativeOptions): Promise<Float32Array[]> {
    // Not async methods (as gradient): bad input still rejects, without an async frame a call.
    try {
      return this.runProgram(derivativesRequest(data, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The d(d+1)/2 second partials (i ≤ j, row-major) in one pass reading the input once (cpuHessian is the reference). */
  hessian(data: NumericArray | NdarrayLike, options?: GpuDerivativeOptions): Promise<Float32Array[]> {
    try {
      return this.runProgram(hessianRequest(data, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Σ_k A_kᵀ v_k, the gradient's adjoint (or with `derivatives`, theirs), in one pass (cpuGradientAdjoint is the reference). */
  gradientAdjoint(components: readonly (NumericArray | NdarrayLike)[], options?: GpuAdjointOptions): Promise<Float32Array> {
    try {
      return this.runProgram(adjointRequest(components, options)).then(first);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Derivatives, the Hessian (`hessian: true`) or an adjoint (`adjoint: true`) prepared for one shape: `encode`
   * records one dispatch synchronously, reading a float32 GPU buffer and writing the outputs stacked in one.
   */
  async prepareDerivatives(options: PrepareDerivativesOptions): Promise<PreparedDerivatives> {
    return this.tracked((rt, forget) => prepareDerivatives(rt, options, forget));
  }

  /**
   * Runs a checked derivative, Hessian or adjoint call.
   * @internal
   */
  runProgram(request: ProgramRequest): Promise<Float32Array[]> {
    return programCall(this.parts, request);
  }

  /**
   * Runs a checked host call: its input, when it fits one piece, is taken before this returns.
   * @internal
   */
  run<R>(request: HostRequest): Promise<R[]> {
    return hostCall(this.parts, request) as Promise<R[]>;
  }

  /**
   * The gradient of an image's luminance (or one channel) as an array of shape [height, width]: `source`
   * goes to the GPU with copyExternalImageToTexture (a GPUTexture is read as it is), never through a CPU
   * typed array. [d/drow, d/dcol], or one array with `output: 'magnitude'`.
   */
  async imageGradient(source: ImageSource, options?: ImageGradientOptions & { out?: Float32Array[] }): Promise<Float32Array[]> {
    return this.runImage(imageRequest(source, options));
  }

  /**
   * Runs a checked image call: the source is read before this returns.
   * @internal
   */
  runImage(request: ImageRequest): Promise<Float32Array[]> {
    return imageCall(this.parts, request);
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
    const rt: PrepareRuntime = this.parts;
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
      keptWork: { entries: this.works.size, ...this.works.held(), ...this.works.stats },
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
    this.works.clear(!this.life.isLost);
    this.pipelines.clear(true);
    this.textures.destroy();
    this.kept.close();
    forgetPrograms(this.device);
    if (this.owner === 'context' || this.owner === 'default') this.device.destroy();
  }

  /** Whether `destroy()` was called. */
  get isDestroyed(): boolean {
    return this.life.isDestroyed;
  }

  /** Whether the device was lost (every call then rejects with `device-lost`). */
  get isLost(): boolean {
    return this.life.isLost;
  }
}

disposable(GradientContext);

/** The one result of a call that has one (a function made once, not a closure a call; api.ts's one-call functions too). */
export function first<T>(results: readonly T[]): T {
  return results[0];
}
