import { checkComponentCount, describeComponents, type DerivedField } from '../components.js';
import { describeData, type DataInfo } from '../data.js';
import { GradientError, describe } from '../errors.js';
import { makePlan, type Plan } from '../plan.js';
import type { DataKind, GradientOptions, NumericArray } from '../types.js';
import {
  ceilTo, planFusedSteps, planPieces, planSteps, slabAlignment, workgroupSize, type GpuLimits, type OutputSlot, type Piece, type Step,
} from './dispatch.js';
import { BufferUsage, ShaderStage } from './flags.js';
import {
  checkFloat32Coefficients, chooseLayout, GPU_DTYPES, inputFormat, keepsAxisOrder, kernelVariant, moduleName, packWeights, shaderSource,
  type InputFormat, type KernelVariant, type Layout, type ModuleName, type Operation,
} from './kernels.js';
import { BufferPool, type PoolStats } from './pool.js';
import { mapsWaitForPoll, requestGradientDevice } from './device.js';
import { checkOut } from '../out.js';
import { isGpuBuffer, PreparedKernel } from './prepared.js';
import { dispatchSteps, packUniforms, uniformStride } from './record.js';
import { Transfer, type TransferStats } from './transfer.js';

export interface GradientContextOptions {
  /** Device to use; without it one is requested (navigator.gpu, or Dawn's `webgpu` package in Node). */
  device?: GPUDevice;
  /** Lower some device limits (tests use this to force grid folding and chunking on small arrays). */
  limits?: Partial<Omit<GpuLimits, 'workgroupSize'>>;
  /** Idle bytes the buffer pool may keep (default 256 MiB). */
  maxPooledBytes?: number;
  /** Idle buffers the pool may keep (default 64). */
  maxPooledBuffers?: number;
  /**
   * Invocations per workgroup (default 256, rounded down to a power of two and capped by the device's
   * limits). A tuning knob for benchmarks: 64 to 1024 ran within 2 % of 256 on an H100 and an H200 for 2-D and 3-D.
   */
  workgroupSize?: number;
  /**
   * Host calls are streamed in pieces that move at most this many bytes each way (input window, results),
   * at most two pieces in flight per call, so a call holds a bounded amount of GPU memory whatever the
   * array's size (see README, "The host path"). Default 64 MiB; at least 4096.
   */
  chunkBytes?: number;
}

/** Options of the host-array methods (`gradient`, `magnitude`, …): the plan's options and `out`. */
export interface HostCallOptions extends GradientOptions {
  /**
   * Float32Arrays to receive the results, one per output (one per selected axis for gradient; one for
   * magnitude and divergence; one or three for curl), each of the data's length; they are returned.
   * Reusing them avoids fresh host memory on every call.
   */
  out?: Float32Array[];
}

/** Arguments of `prepare`: the gradient options with the array's `shape` (required) and GPU element type. */
export interface PrepareOptions extends GradientOptions {
  shape: readonly number[];
  /** Element type in the input buffer (default 'float32'; 'float64' is not a GPU type). */
  dtype?: Exclude<DataKind, 'float64'>;
  /** A fused result instead of every axis's derivative (see EncodeOptions.derived). */
  derived?: DerivedField;
  /** Elements between stacked components (default: the size rounded up to the slab alignment, 64). */
  componentStride?: number;
}

/** Arguments of `encode`: the gradient options plus GPU buffers. */
export interface EncodeOptions extends GradientOptions {
  /** Storage buffer holding the array, packed in C order, at least 16-byte-rounded size. */
  input: GPUBuffer;
  /** Element type in `input` (default 'float32'; 'float64' is not a GPU type). */
  dtype?: Exclude<DataKind, 'float64'>;
  /** One storage buffer per selected axis, each at least 4·size bytes (rounded up to 16). */
  outputs?: readonly GPUBuffer[];
  /** One storage buffer holding every axis: axis k at byte k·slabBytes (see `outputLayout`). */
  output?: GPUBuffer;
  /** Timestamp writes for the compute pass the work is recorded in (profiling). */
  timestampWrites?: GPUComputePassTimestampWrites;
  /**
   * Compute a fused result instead of every axis's derivative: 'magnitude' (one output), 'divergence'
   * (one output) or 'curl' (one output for 2 axes, three for 3). For divergence and curl, `input` holds
   * the components stacked, component k at element k·componentStride.
   */
  derived?: DerivedField;
  /** Elements between stacked components (default: the size rounded up to the slab alignment, 64). */
  componentStride?: number;
}

export interface EncodedGradient {
  /** For each selected axis: the buffer and byte offset of its float32 result. */
  readonly buffers: readonly GPUBuffer[];
  readonly offsets: readonly number[];
  /** Bytes between consecutive axes in a stacked output (0 for separate outputs). */
  readonly slabBytes: number;
  /** Returns the small uniform and weight buffers the work reads to the pool: call after submitting. */
  release(): void;
}

export interface ContextStats extends PoolStats {
  shaderModules: number;
  pipelines: number;
  /** Bytes of the staging slots the host path keeps (outside the pool's cap). */
  stagingBytes: number;
  /** Host-path counters: groups (submits), jobs (pieces), map round trips, and time per phase. */
  transfer: TransferStats;
}

const GPU_OPTION_KEYS = ['device', 'out'];
const CONTEXT_OPTION_KEYS = ['device', 'limits', 'maxPooledBytes', 'maxPooledBuffers', 'workgroupSize', 'chunkBytes'];
export const DEFAULT_CHUNK_BYTES = 64 * 2 ** 20;

/** Refuses a bad tuning option by name and value (a NaN pool cap, say, would never evict anything). */
function checkContextOptions(options: GradientContextOptions): void {
  if (options === null || typeof options !== 'object') throw new GradientError('invalid-option', `options: ${describe(options)} must be an object`);
  for (const key of Object.keys(options)) {
    if (!CONTEXT_OPTION_KEYS.includes(key)) {
      throw new GradientError('invalid-option', `options.${key}: unknown option (expected one of ${CONTEXT_OPTION_KEYS.join(', ')})`);
    }
  }
  type Tuning = 'workgroupSize' | 'maxPooledBytes' | 'maxPooledBuffers' | 'chunkBytes';
  const check = (name: Tuning, ok: (value: number) => boolean, rule: string) => {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && ok(value))) {
      throw new GradientError('invalid-option', `${name}: ${describe(value)} must be ${rule}`);
    }
  };
  const integerIn = (min: number, max: number) => (v: number) => Number.isInteger(v) && v >= min && v <= max;
  check('workgroupSize', integerIn(1, 1024), 'an integer from 1 to 1024');
  check('maxPooledBytes', (v) => v >= 0, 'a number ≥ 0 (Infinity for no cap)');
  check('maxPooledBuffers', (v) => v >= 0, 'a number ≥ 0 (Infinity for no cap)');
  check('chunkBytes', integerIn(4096, 2 ** 52), 'an integer ≥ 4096');
}

/**
 * Owns one device's pipeline cache and buffer pool, and runs plans on it: `gradient` (upload, compute,
 * read back) and `encode` (record into the caller's encoder; data stays on the GPU).
 */
export class GradientContext {
  readonly device: GPUDevice;
  readonly limits: GpuLimits;
  private readonly pool: BufferPool;
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly bindGroupLayout: GPUBindGroupLayout;
  private readonly pipelineLayout: GPUPipelineLayout;
  private lostMessage: string | null = null;
  private destroyed = false;
  private emptyWeights: GPUBuffer | null = null;
  private readonly waiting = new Set<(error: unknown) => void>();
  private readonly transfer: Transfer;
  /** Prepared kernels still alive: destroy() destroys them too. */
  private readonly kernels = new Set<PreparedKernel>();
  private readonly chunkBytes: number;

  /** A context on `options.device`, or on a device it requests and owns. `shared`: gpuGradient's default context. */
  static async create(options: GradientContextOptions = {}, shared = false): Promise<GradientContext> {
    checkContextOptions(options); // before a device is requested, which a refusal would leak
    const device = options.device ?? (await requestGradientDevice());
    return new GradientContext(device, options, !options.device, shared);
  }

  /**
   * `ownsDevice`: destroy() destroys the device too. `shared`: the default context, which the library
   * replaces after a device loss (its loss message says so).
   */
  constructor(device: GPUDevice, options: GradientContextOptions, readonly ownsDevice: boolean, private readonly shared = false) {
    checkContextOptions(options);
    this.device = device;
    const l = device.limits;
    const o = options.limits ?? {};
    const pick = (name: keyof Omit<GpuLimits, 'workgroupSize'>) => Math.min(l[name], o[name] ?? Infinity);
    this.limits = {
      maxStorageBufferBindingSize: pick('maxStorageBufferBindingSize'),
      maxBufferSize: pick('maxBufferSize'),
      maxComputeWorkgroupsPerDimension: pick('maxComputeWorkgroupsPerDimension'),
      maxComputeInvocationsPerWorkgroup: pick('maxComputeInvocationsPerWorkgroup'),
      maxComputeWorkgroupSizeX: pick('maxComputeWorkgroupSizeX'),
      minStorageBufferOffsetAlignment: Math.max(l.minStorageBufferOffsetAlignment, o.minStorageBufferOffsetAlignment ?? 0),
      minUniformBufferOffsetAlignment: Math.max(l.minUniformBufferOffsetAlignment, o.minUniformBufferOffsetAlignment ?? 0),
      workgroupSize: options.workgroupSize,
    };
    this.pool = new BufferPool(device, options.maxPooledBytes, options.maxPooledBuffers);
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.transfer = new Transfer(device, this.pool, {
      whileAlive: (p) => this.whileAlive(p),
      checkUsable: () => this.checkUsable(),
      translate: (e) => this.translate(e),
      scoped: (body) => this.scoped(body),
    }, { chunkBytes: this.chunkBytes, pollingMaps: mapsWaitForPoll() });
    const storage = (type: GPUBufferBindingType) => ({ visibility: ShaderStage.COMPUTE, buffer: { type } });
    this.bindGroupLayout = device.createBindGroupLayout({
      label: 'webgpu-gradient',
      entries: [
        { binding: 0, ...storage('read-only-storage') },
        { binding: 1, ...storage('read-only-storage') },
        { binding: 2, ...storage('uniform') },
        { binding: 3, ...storage('storage') },
      ],
    });
    this.pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [this.bindGroupLayout] });
    device.lost.then((info) => {
      this.lostMessage = info.message || info.reason || 'device lost';
      // Everything tied to the device is dead: forget it without touching it.
      this.pool.forget();
      this.transfer.destroy(true);
      this.pipelines.clear();
      this.modules.clear();
      for (const reject of this.waiting) reject(this.lostError());
    });
  }

  /** gpuGradient on this context's device: one Float32Array per selected axis. */
  async gradient(data: NumericArray, options?: HostCallOptions): Promise<Float32Array[]> {
    const info = describeData(data);
    return this.compute([data], info, makePlan(info, options, GPU_OPTION_KEYS), 'gradient', options?.out);
  }

  /** √(Σ_k (∂f/∂x_k)²) over the selected axes, in one pass: one Float32Array. */
  async magnitude(data: NumericArray, options?: HostCallOptions): Promise<Float32Array> {
    const info = describeData(data);
    return (await this.compute([data], info, makePlan(info, options, GPU_OPTION_KEYS), 'magnitude', options?.out))[0];
  }

  /** Σ_k ∂v_k/∂x_k, component k paired with selected axis k, in one pass: one Float32Array. */
  async divergence(components: readonly NumericArray[], options?: HostCallOptions): Promise<Float32Array> {
    const { list, info } = describeComponents(components);
    const plan = makePlan(info, options, GPU_OPTION_KEYS);
    checkComponentCount(plan, list.length, 'divergence');
    return (await this.compute(list, info, plan, 'divergence', options?.out))[0];
  }

  /** Curl of a 2-D (one array) or 3-D (three arrays) vector field over the selected axes, in one pass. */
  async curl(components: readonly NumericArray[], options?: HostCallOptions): Promise<Float32Array[]> {
    const { list, info } = describeComponents(components);
    const plan = makePlan(info, options, GPU_OPTION_KEYS);
    checkComponentCount(plan, list.length, 'curl');
    return this.compute(list, info, plan, plan.axes.length === 2 ? 'curl2' : 'curl3', options?.out);
  }

  /**
   * The host-to-host path of every operation: the array is cut into pieces (one for most calls), each
   * uploaded, computed and read back by the transfer layer, at most two in flight per call.
   */
  private async compute(arrays: readonly NumericArray[], info: DataInfo, plan: Plan, op: Operation, out?: unknown): Promise<Float32Array[]> {
    this.checkUsable();
    checkFloat32Coefficients(plan);
    const N = plan.size;
    checkIndexable(N);
    const outputCount = outputsOf(op, plan);
    const targets = out === undefined ? Array.from({ length: outputCount }, () => new Float32Array(N))
      : checkOut(out, Float32Array, outputCount, N, arrays, outputCount === plan.axes.length ? 'one per selected axis' : `the ${op} result`);
    // Nothing to differentiate: no gradients, and a zero magnitude.
    if (plan.axes.length === 0 || N === 0) return targets.map((t) => t.fill(0));
    const format = inputFormat(info.kind);
    const bpe = format.bytesPerElement;
    const layout = chooseLayout(plan);
    const { pieces, bounded } = planPieces(plan, bpe, arrays.length, outputCount, this.chunkBytes, this.limits);
    const longest = Math.max(...pieces.map((p) => p.e1 - p.e0));
    const stride = ceilTo(Math.max(...pieces.map((p) => p.inEnd - p.inStart)), 16);
    if (!bounded) this.checkSize(plan, format, arrays.length * stride); // one piece holds the whole array
    // A piece's outputs: stacked in one buffer when it fits (one pass computes every axis), else one buffer each.
    const slab = ceilTo(longest, slabAlignment(this.limits));
    const stacked = outputCount * slab * 4 <= this.limits.maxBufferSize || op !== 'gradient';
    const buffers = stacked ? [outputCount * slab * 4] : targets.map(() => ceilTo(longest * 4, 16));
    const slots: OutputSlot[] = targets.map((_, k) => (stacked ? { buffer: 0, offset: k * slab } : { buffer: k, offset: 0 }));
    await inFlight(pieces, 2, async (piece) => {
      const work = await this.planWork(plan, layout, format, slots, { op, components: arrays.length, componentStride: stride }, piece)
        .catch((error) => { throw this.translate(error); });
      this.checkUsable();
      await this.transfer.run({
        input: { arrays, kind: info.kind, bytesPerElement: bpe, start: piece.inStart, end: piece.inEnd, stride },
        output: { targets, at: piece.e0, count: piece.e1 - piece.e0, buffers, slots },
        record: (encoder, input, outputs) => this.record(encoder, work, input, outputs, piece.inStart),
      });
    });
    return targets;
  }

  /**
   * Byte layout of a stacked output (and of stacked components, for `derived`) for these options: for
   * sizing a caller's `output` and `input` buffers.
   */
  outputLayout(options: GradientOptions & { shape: readonly number[]; derived?: DerivedField }): { slabBytes: number; totalBytes: number } {
    const { derived, ...rest } = options;
    const plan = makePlan({ length: options.shape.reduce((p, n) => p * n, 1), kind: 'float32' }, rest, GPU_OPTION_KEYS);
    const slabBytes = ceilTo(plan.size, slabAlignment(this.limits)) * 4;
    return { slabBytes, totalBytes: Math.max(outputsOf(operationOf(derived, plan), plan) * slabBytes, 16) };
  }

  /**
   * Records the gradient of a GPU-resident array into the caller's command encoder; nothing is submitted
   * or read back. Without `outputs`/`output`, a stacked output buffer is created and owned by the caller.
   */
  async encode(encoder: GPUCommandEncoder, options: EncodeOptions): Promise<EncodedGradient> {
    const { input, outputs, output, timestampWrites, derived, ...rest } = options ?? ({} as EncodeOptions);
    const { shape, plan, gradientOptions, op, outputCount, format, components, stride } = this.gpuArguments(options && { ...rest, derived }, 'encode');
    const N = plan.size;
    checkBuffer(input, 'input', ceilTo(((components - 1) * stride + N) * format.bytesPerElement, 16));
    if (outputs && output) throw new GradientError('invalid-option', 'outputs and output: give one of them, not both');
    // The kernel reads neighbours that an output sharing their buffer would overwrite mid-dispatch.
    if (output !== undefined && output === input) throw new GradientError('invalid-buffer', 'output: the input buffer cannot also be the output (the stencils read neighbours the output overwrites); pass another buffer');
    if (Array.isArray(outputs)) {
      outputs.forEach((b, k) => {
        if (b === input) throw new GradientError('invalid-buffer', `outputs[${k}]: the input buffer cannot also be an output (the stencils read neighbours the output overwrites); pass another buffer`);
        const first = outputs.indexOf(b);
        if (first !== k) throw new GradientError('invalid-buffer', `outputs[${k}]: the same buffer as outputs[${first}]; each axis needs its own buffer (or use one stacked \`output\`)`);
      });
    }
    if (outputs && op !== 'gradient') throw new GradientError('invalid-option', `outputs: derived results go to one stacked \`output\` buffer`);
    let buffers: GPUBuffer[], slots: OutputSlot[], slabBytes = 0, created = 0;
    if (outputs) {
      if (!Array.isArray(outputs) || outputs.length !== plan.axes.length) {
        throw new GradientError('invalid-buffer', `outputs: ${describe(outputs)} must hold one buffer per selected axis (${plan.axes.length})`);
      }
      outputs.forEach((b, k) => checkBuffer(b, `outputs[${k}]`, ceilTo(N * 4, 16)));
      buffers = [...outputs];
      slots = outputs.map((_, k) => ({ buffer: k, offset: 0 }));
    } else {
      const layoutBytes = this.outputLayout({ ...gradientOptions, shape, derived });
      slabBytes = layoutBytes.slabBytes;
      if (output) checkBuffer(output, 'output', layoutBytes.totalBytes);
      // Without `output`, a buffer is created below, inside the error scopes (after every check).
      buffers = output ? [output] : [];
      created = layoutBytes.totalBytes;
      slots = Array.from({ length: outputCount }, (_, k) => ({ buffer: 0, offset: (k * slabBytes) / 4 }));
    }
    const result = (temps: GPUBuffer[]): EncodedGradient => {
      let released = false;
      return {
        buffers: slots.map((s) => buffers[s.buffer]),
        offsets: slots.map((s) => s.offset * 4),
        slabBytes,
        release: () => {
          // After a loss the buffers died with the device; after destroy() the closed pool destroys them.
          if (released || this.lostMessage) return;
          released = true;
          for (const t of temps) this.pool.release(t);
        },
      };
    };
    const createOutput = () => {
      if (created) buffers.push(this.device.createBuffer({ label: 'webgpu-gradient output', size: created, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST }));
    };
    if (outputCount === 0 || N === 0) {
      await this.guard(createOutput);
      return result([]);
    }
    this.checkSize(plan, format, (components - 1) * stride + N);
    const work = await this.planWork(plan, chooseLayout(plan), format, slots, { op, components, componentStride: stride, timestampWrites });
    let temps: GPUBuffer[] = [];
    try {
      await this.guard(() => {
        createOutput();
        temps = this.record(encoder, work, input, buffers);
      });
    } catch (error) {
      if (created) buffers[0]?.destroy();
      if (!this.lostMessage) for (const t of temps) this.pool.destroy(t);
      throw this.translate(error);
    }
    return result(temps);
  }

  /**
   * Prepares a gradient (or fused field) of a GPU-resident array for one shape and set of options: checks
   * them, compiles or fetches the pipelines and writes the uniform and weight buffers, so that the
   * kernel's `encode` records synchronously — inside a frame, into an encoder or an open compute pass,
   * as often as wanted with different buffers. `destroy()` (or `using`) frees what it owns.
   */
  async prepare(options: PrepareOptions): Promise<PreparedKernel> {
    const { shape, plan, gradientOptions, op, outputCount, format, components, stride } = this.gpuArguments(options, 'prepare');
    const { derived } = options;
    const N = plan.size;
    const inputElements = (components - 1) * stride + N;
    if (N > 0) this.checkSize(plan, format, inputElements);
    const outputLayout = this.outputLayout({ ...gradientOptions, shape, derived });
    const slab = outputLayout.slabBytes / 4;
    const stackedSlots: OutputSlot[] = Array.from({ length: outputCount }, (_, k) => ({ buffer: 0, offset: k * slab }));
    const recordOptions = { op, components, componentStride: stride };
    const empty = N === 0 || outputCount === 0;
    const layout = chooseLayout(plan);
    const stacked = empty ? null : await this.planWork(plan, layout, format, stackedSlots, recordOptions).catch((e) => { throw this.translate(e); });
    const separate = !empty && op === 'gradient' && outputCount > 1
      ? await this.planWork(plan, layout, format, stackedSlots.map((_, k) => ({ buffer: k, offset: 0 })), recordOptions).catch((e) => { throw this.translate(e); })
      : null;
    this.checkUsable();
    const packed = packWeights(plan);
    const ownsWeights = packed.offsets.some((o) => o >= 0);
    const ustride = uniformStride(this.limits.minUniformBufferOffsetAlignment);
    // The kernel's own buffers, allocated inside the error scopes (out of memory → gpu-error).
    const owned = await this.guard(() => {
      const weights = ownsWeights
        ? this.device.createBuffer({ label: 'webgpu-gradient weights', size: packed.data.byteLength, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST })
        : this.emptyWeightsBuffer();
      if (ownsWeights) this.device.queue.writeBuffer(weights, 0, packed.data);
      const variant = (work: Work | null) => {
        const steps = work?.steps ?? [];
        const uniforms = this.device.createBuffer({ label: 'webgpu-gradient uniforms', size: Math.max(steps.length * ustride, 16), usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
        if (steps.length > 0) this.device.queue.writeBuffer(uniforms, 0, packUniforms(steps, plan, packed.offsets, stride, ustride));
        return { steps, pipelines: work?.pipelines ?? [], uniforms };
      };
      return { weights, stacked: variant(stacked), separate: separate ? variant(separate) : null };
    });
    const kernel = new PreparedKernel({
      device: this.device, layout: this.bindGroupLayout, bytesPerElement: format.bytesPerElement, uniformStride: ustride,
      storageAlignment: this.limits.minStorageBufferOffsetAlignment,
      inputBytes: ceilTo(inputElements * format.bytesPerElement, 16), stackedBytes: outputLayout.totalBytes, axisBytes: ceilTo(N * 4, 16),
      outputLayout, outputCount, ownsWeights, ...owned,
      checkUsable: () => this.checkUsable(),
      forget: () => this.kernels.delete(kernel),
    });
    this.kernels.add(kernel);
    return kernel;
  }

  /**
   * The arguments `encode` and `prepare` share: the shape (required: a GPU buffer does not know it), the
   * element type, the plan's options, the fused result and the stride of stacked components.
   */
  private gpuArguments(options: (Omit<PrepareOptions, 'shape'> & { shape?: readonly number[] }) | undefined, caller: string) {
    if (!options || !Array.isArray(options.shape)) {
      throw new GradientError('invalid-shape', `shape: ${describe(options?.shape)} is required by ${caller} (the GPU buffer does not know it)`);
    }
    const { dtype = 'float32', derived, componentStride, ...gradientOptions } = options;
    const shape: readonly number[] = options.shape;
    if (!GPU_DTYPES.includes(dtype)) {
      throw new GradientError('invalid-option', `dtype: ${describe(dtype)} must be one of ${GPU_DTYPES.join(', ')}`);
    }
    const length = shape.every((n) => typeof n === 'number') ? shape.reduce((p, n) => p * n, 1) : NaN;
    const plan = makePlan({ length, kind: dtype }, gradientOptions, []);
    checkFloat32Coefficients(plan);
    const op = operationOf(derived, plan);
    this.checkUsable();
    const N = plan.size;
    const components = op === 'divergence' || op === 'curl2' || op === 'curl3' ? plan.axes.length : 1;
    const stride = componentStride ?? ceilTo(N, slabAlignment(this.limits));
    if (!Number.isInteger(stride) || stride < N || (components > 1 && stride % 4 !== 0)) {
      throw new GradientError('invalid-option', `componentStride: ${describe(componentStride)} must be an integer multiple of 4, at least the size ${N}`);
    }
    return { shape, plan, gradientOptions, op, outputCount: outputsOf(op, plan), format: inputFormat(dtype), components, stride };
  }

  stats(): ContextStats {
    return {
      ...this.pool.stats(), shaderModules: this.modules.size, pipelines: this.pipelines.size,
      stagingBytes: this.transfer.stagingBytes(), transfer: { ...this.transfer.stats },
    };
  }

  /** Destroys pooled buffers (and the device when this context requested it). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (!this.lostMessage) this.pool.close();
    this.transfer.destroy(this.lostMessage !== null);
    for (const kernel of [...this.kernels]) kernel.destroy();
    this.emptyWeights?.destroy();
    this.pipelines.clear();
    this.modules.clear();
    if (this.ownsDevice) this.device.destroy();
  }

  get isLost(): boolean {
    return this.lostMessage !== null;
  }

  // ---- internals ----

  /** Splits a plan (or one piece of it) into dispatches and fetches (or builds) the pipeline of each. */
  private async planWork(plan: Plan, layout: Layout, format: InputFormat, slots: OutputSlot[], options: RecordOptions, piece?: Piece): Promise<Work> {
    const { op, components, componentStride } = options;
    const steps = op === 'gradient'
      ? planSteps(plan, layout, format.bytesPerElement, slots, this.limits, piece)
      : planFusedSteps(plan, layout, format.bytesPerElement, components, componentStride, slots, this.limits, keepsAxisOrder(op), piece);
    const pipelines = await Promise.all(steps.map((step) =>
      this.pipeline(format, kernelVariant(plan, layout, op, step.slots.map((s) => plan.axes[s.axisIndex])))));
    return { plan, format, steps, pipelines, options };
  }

  /**
   * Records every dispatch of prepared work; returns the temporary buffers the work reads. `input` holds
   * the array from element `inputBase` on (a streamed piece's window starts there).
   */
  private record(encoder: GPUCommandEncoder, work: Work, input: GPUBuffer, outputs: readonly GPUBuffer[], inputBase = 0): GPUBuffer[] {
    const { plan, format, steps, pipelines, options: { componentStride, timestampWrites } } = work;
    const stride = uniformStride(this.limits.minUniformBufferOffsetAlignment);
    const uniforms = this.pool.acquire(steps.length * stride, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
    const temps = [uniforms];
    const packed = packWeights(plan);
    let weights = this.emptyWeightsBuffer();
    if (packed.offsets.some((o) => o >= 0)) {
      weights = this.pool.acquire(packed.data.byteLength, BufferUsage.STORAGE | BufferUsage.COPY_DST);
      this.device.queue.writeBuffer(weights, 0, packed.data);
      temps.push(weights);
    }
    this.device.queue.writeBuffer(uniforms, 0, packUniforms(steps, plan, packed.offsets, componentStride, stride));
    const pass = encoder.beginComputePass({ label: 'webgpu-gradient', timestampWrites });
    dispatchSteps(pass, steps, pipelines, {
      device: this.device, layout: this.bindGroupLayout, bytesPerElement: format.bytesPerElement,
      input: { buffer: input, offset: 0 }, inputBase, weights, uniforms: { buffer: uniforms, stride },
      outputs: outputs.map((buffer) => ({ buffer, offset: 0 })),
    });
    pass.end();
    return temps;
  }

  private emptyWeightsBuffer(): GPUBuffer {
    this.emptyWeights ??= this.device.createBuffer({ label: 'webgpu-gradient no weights', size: 16, usage: BufferUsage.STORAGE });
    return this.emptyWeights;
  }

  /** The compiled pipeline for an input format and kernel variant; built once per device. */
  private pipeline(format: InputFormat, variant: KernelVariant): Promise<GPUComputePipeline> {
    const constants = { ...format.constants, ...variant.constants, WG: workgroupSize(this.limits) };
    const module = moduleName(format, variant.layout);
    const key = `${module}|${variant.entry}|${JSON.stringify(constants)}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = this.buildPipeline(module, variant.entry, constants);
      this.pipelines.set(key, pipeline);
      pipeline.catch(() => this.pipelines.delete(key));
    }
    return pipeline;
  }

  private async buildPipeline(name: ModuleName, entry: string, constants: Record<string, number>): Promise<GPUComputePipeline> {
    let module = this.modules.get(name);
    if (!module) {
      // The scope keeps a compilation error from escaping as an uncaptured device error.
      this.device.pushErrorScope('validation');
      module = this.device.createShaderModule({ label: `webgpu-gradient ${name}`, code: shaderSource(name) });
      const scope = this.device.popErrorScope();
      const [info, scopeError] = await Promise.all([module.getCompilationInfo(), scope]);
      const errors = info.messages.filter((m) => m.type === 'error');
      if (errors.length > 0 || scopeError) {
        const detail = errors.length > 0 ? errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n') : scopeError!.message;
        throw new GradientError('gpu-error', `WGSL compilation of ${name} failed:\n${detail}`);
      }
      this.modules.set(name, module);
    }
    try {
      // createComputePipelineAsync rejects with a GPUPipelineError rather than raising a device error.
      return await this.device.createComputePipelineAsync({
        label: `webgpu-gradient ${name} ${entry}`,
        layout: this.pipelineLayout,
        compute: { module, entryPoint: entry, constants },
      });
    } catch (e) {
      throw new GradientError('gpu-error', `pipeline creation failed for ${name} ${entry}: ${(e as Error).message}`);
    }
  }

  /**
   * Runs GPU calls (allocations included) synchronously inside validation and out-of-memory error
   * scopes; resolves to what `body` returned once neither scope caught an error.
   */
  private async guard<T>(body: () => T): Promise<T> {
    const { value, errors } = this.scoped(body);
    const error = await errors;
    if (error) throw error;
    return value;
  }

  /** `body` inside the error scopes, without waiting for them: `errors` resolves to the first error, or null. */
  private scoped<T>(body: () => T): { value: T; errors: Promise<GradientError | null> } {
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    let thrown: unknown = null, threw = false, value: T | undefined;
    try { value = body(); } catch (e) { thrown = e; threw = true; }
    const oom = this.device.popErrorScope();
    const validation = this.device.popErrorScope();
    const errors = Promise.all([oom, validation]).then(([memoryError, validationError]) => {
      if (memoryError) return new GradientError('gpu-error', `GPU out of memory: ${memoryError.message}`);
      if (validationError) return new GradientError('gpu-error', `GPU validation error (a bug in webgpu-gradient, please report): ${validationError.message}`);
      return null;
    });
    if (threw) {
      errors.catch(() => undefined);
      throw thrown;
    }
    return { value: value as T, errors };
  }

  /** Awaits `promise`, failing with device-lost as soon as the device goes away. */
  private whileAlive<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      promise.then(resolve, reject).finally(() => this.waiting.delete(reject));
    });
  }

  private checkUsable(): void {
    if (this.destroyed) throw new GradientError('destroyed', 'this gradient context was destroyed; create a new one');
    if (this.lostMessage) throw this.lostError();
  }

  private lostError(): GradientError {
    const lost = `the GPU device ${this.ownsDevice ? '' : 'you supplied '}was lost (${this.lostMessage})`;
    return new GradientError('device-lost', this.shared ? `${lost}; the next call acquires a new one`
      : this.ownsDevice ? `${lost}; this context is unusable: create a new one with createGradient()` : `${lost}; pass a new device`);
  }

  private translate(error: unknown): unknown {
    if (this.lostMessage && !(error instanceof GradientError && error.code === 'device-lost')) return this.lostError();
    return error;
  }

  /** Refuses work whose indices or buffers exceed what the GPU addresses: `inputElements` in one buffer. */
  private checkSize(plan: Plan, format: InputFormat, inputElements: number): void {
    checkIndexable(plan.size);
    const inputBytes = ceilTo(inputElements * format.bytesPerElement, 16);
    if (inputBytes > this.limits.maxBufferSize || plan.size * 4 > this.limits.maxBufferSize) {
      throw new GradientError('too-large', `data: ${plan.size} elements exceed this device's largest buffer (${this.limits.maxBufferSize} bytes)`
        + (plan.boundary === 'periodic' ? '; a periodic first axis reads across the whole array, so it cannot be streamed in pieces' : ''));
    }
  }
}

/** Dispatches of one call, with the pipeline of each. */
interface Work {
  plan: Plan;
  format: InputFormat;
  steps: Step[];
  pipelines: GPUComputePipeline[];
  options: RecordOptions;
}

interface RecordOptions {
  op: Operation;
  /** Arrays stacked in the input (fused operations), `componentStride` elements apart. */
  components: number;
  componentStride: number;
  timestampWrites?: GPUComputePassTimestampWrites;
}

function operationOf(derived: unknown, plan: Plan): Operation {
  if (derived === undefined) return 'gradient';
  if (derived === 'magnitude' || derived === 'divergence') return derived;
  if (derived === 'curl') {
    checkComponentCount(plan, plan.axes.length, 'curl');
    return plan.axes.length === 2 ? 'curl2' : 'curl3';
  }
  throw new GradientError('invalid-option', `derived: ${describe(derived)} must be 'magnitude', 'divergence' or 'curl'`);
}

/** Output arrays an operation writes (0 when there is nothing to compute). */
function outputsOf(op: Operation, plan: Plan): number {
  if (plan.axes.length === 0) return op === 'gradient' ? 0 : 1;
  return op === 'gradient' ? plan.axes.length : op === 'curl3' ? 3 : 1;
}

function checkBuffer(buffer: unknown, name: string, minBytes: number): void {
  if (!isGpuBuffer(buffer)) throw new GradientError('invalid-buffer', `${name}: ${describe(buffer)} is not a GPUBuffer`);
  const b = buffer;
  if (!(b.usage & BufferUsage.STORAGE)) throw new GradientError('invalid-buffer', `${name}: the buffer lacks STORAGE usage`);
  if (b.size < minBytes) throw new GradientError('invalid-buffer', `${name}: ${b.size} bytes, but at least ${minBytes} are needed`);
}

/** The shaders index elements with u32 (with room for a vec4 group past the end). */
function checkIndexable(size: number): void {
  if (size >= 2 ** 32 - 4) throw new GradientError('too-large', `data: ${size} elements, but the GPU indexes at most 2^32 − 5`);
}

/** Runs `run` over `items`, at most `limit` at a time, in order; rejects with the first failure once all have settled. */
async function inFlight<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (next < items.length && !failure) {
      const item = items[next++];
      try { await run(item); } catch (error) { failure ??= { error }; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
}
