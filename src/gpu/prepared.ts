import { describe, GradientError } from '../errors.js';
import { dispatchedPerAxis } from '../operations.js';
import { checkSize, gpuArguments, type OutputLayout, type PrepareOptions } from './arguments.js';
import { hasWeights, packWeights } from './coefficients.js';
import { BufferUsage } from './flags.js';
import { outputBytes } from './formats.js';
import { keyed } from './kept-groups.js';
import { arrangeOutputs } from './layout.js';
import type { PrepareRuntime } from './parts.js';
import { type BoundBuffer, dispatchSteps, packUniforms, stepBindGroups, uniformStride } from './record.js';
import { guarded } from './scopes.js';
import { ceilTo, chooseLayout, type OutputPlace, type Step } from './steps.js';
import { planWork, type Work } from './work.js';

/** A GPU buffer, or a range of one (engines that sub-allocate buffers hand these out). */
export type KernelBinding = GPUBuffer | GPUBufferBinding;

/** The buffers of one `encode`: the input and either one stacked `output` or one buffer per axis. */
export interface KernelBuffers {
  /**
   * Timestamp writes of the compute pass `encode` begins when given a command encoder (profiling); not
   * allowed when recording into an open pass.
   */
  timestampWrites?: GPUComputePassTimestampWrites;
  /** The array packed in C order (components stacked `componentStride` elements apart for divergence and curl). */
  input: KernelBinding;
  /** Every output in one buffer, output k at byte k·`outputLayout.slabBytes`. */
  output?: KernelBinding;
  /** One buffer per selected axis (gradient only), each at least 4·size bytes (2·size for float16 results). */
  outputs?: readonly KernelBinding[];
}

/** Dispatches of one output arrangement, with the pipelines and the uniforms they read. */
export interface KernelVariantWork {
  readonly steps: readonly Step[];
  readonly pipelines: readonly GPUComputePipeline[];
  readonly uniforms: GPUBuffer;
}

/** The bind groups of one encode's buffers, kept for the next encode of the same buffers. */
export interface KernelGroupSet {
  readonly work: KernelVariantWork;
  readonly inputOffset: number;
  readonly outputs: readonly { readonly buffer: GPUBuffer; readonly offset: number }[];
  readonly groups: readonly GPUBindGroup[];
}

/** Sets of bind groups a prepared kernel keeps per input buffer (a frame loop's double or triple buffering fits). */
const GROUPS_PER_INPUT = 4;
const newGroupSets = (): KernelGroupSet[] => [];

/** What a context hands a prepared kernel (see GradientContext.prepare). */
export interface PreparedParts {
  readonly device: GPUDevice;
  readonly layout: GPUBindGroupLayout;
  readonly bytesPerElement: number;
  /** Bytes of one result element (4 float32, 2 float16). */
  readonly outputBytesPerElement: number;
  readonly uniformStride: number;
  readonly storageAlignment: number;
  /** Bytes `input` must hold from its offset on, and each output. */
  readonly inputBytes: number;
  readonly stackedBytes: number;
  readonly axisBytes: number;
  readonly outputLayout: OutputLayout;
  readonly stacked: KernelVariantWork;
  /** Gradient with several axes only: one output buffer per axis. */
  readonly separate: KernelVariantWork | null;
  readonly weights: GPUBuffer;
  /** Weights owned by this kernel (destroyed with it), as opposed to the context's shared empty buffer. */
  readonly ownsWeights: boolean;
  readonly outputCount: number;
  /** Throws if the context was destroyed or its device lost. */
  checkUsable(): void;
  /** Tells the context this kernel is gone. */
  forget(): void;
}

/**
 * A gradient (or fused field) prepared once for a shape and options: its pipelines compiled, its uniform
 * and weight buffers written. `encode` records the work synchronously — into a command encoder or into
 * the caller's open compute pass, as often as wanted, with different buffers each time — so it can run
 * inside a frame callback. Nothing is submitted or read back. Where the runtime has Symbol.dispose,
 * `using` destroys it.
 */
export class PreparedKernel {
  private destroyed = false;
  private readonly keptGroups = new WeakMap<GPUBuffer, KernelGroupSet[]>();
  /**
   * The bindings of the record being checked, the input first: the kernel's own, refilled by each record
   * (recording is synchronous, and a record keeps none of them), so a record makes no objects of its own.
   */
  private readonly checked: Checked[];
  /** The outputs among `checked`: one stacked output, or one per output. */
  private readonly stackedOutputs: readonly Checked[];
  private readonly separateOutputs: readonly Checked[];

  /** @internal Made by GradientContext.prepare. */
  constructor(private readonly parts: PreparedParts) {
    this.checked = Array.from({ length: 1 + Math.max(1, parts.outputCount) }, () => ({ buffer: null!, offset: 0, bytes: 0 }));
    this.stackedOutputs = [this.checked[1]];
    this.separateOutputs = this.checked.slice(1, 1 + parts.outputCount);
  }

  /** Byte layout of a stacked `output` (and of stacked components for divergence and curl). */
  get outputLayout(): OutputLayout {
    return this.parts.outputLayout;
  }

  /**
   * Records the work into `target`: a GPUCommandEncoder (in a compute pass of its own) or an open
   * GPUComputePassEncoder (its pipeline and bind group are left changed). Refuses, before recording
   * anything, buffers that are not storage buffers, too small, misaligned, or overlapping the input.
   */
  encode(target: GPUCommandEncoder | GPUComputePassEncoder, buffers: KernelBuffers): void {
    const isPass = isComputePass(target);
    const set = this.checkedRecord(buffers, isPass);
    const pass = isPass ? (target as GPUComputePassEncoder) : (target as GPUCommandEncoder).beginComputePass(passDescriptor(buffers));
    recordSet(pass, set);
    if (!isPass) pass.end();
  }

  /**
   * Checks `buffers` as `encode` does, before anything is recorded, and returns the bind groups (kept) of
   * the work to record into an open pass with `recordSet` (`inPass`: the caller's, where timestampWrites
   * cannot apply). Allocates nothing once the buffers have met (bench/alloc.mjs --op encode).
   * @internal
   */
  checkedRecord(buffers: KernelBuffers, inPass: boolean): KernelGroupSet {
    if (this.destroyed) throw new GradientError('destroyed', 'this prepared kernel was destroyed; prepare a new one');
    this.parts.checkUsable();
    const p = this.parts;
    if (!buffers || typeof buffers !== 'object')
      throw new GradientError('invalid-buffer', `buffers: ${describe(buffers)} must be { input, output } or { input, outputs }`);
    const checked = this.checked;
    this.bound(buffers.input, 0, p.inputBytes);
    let work: KernelVariantWork, outputs: readonly Checked[];
    if (buffers.output !== undefined && buffers.outputs !== undefined)
      throw new GradientError('invalid-option', 'output and outputs: give one of them, not both');
    if (buffers.output !== undefined) {
      work = p.stacked;
      outputs = this.stackedOutputs;
      this.bound(buffers.output, -1, p.stackedBytes);
    } else if (buffers.outputs !== undefined) {
      if (!Array.isArray(buffers.outputs) || buffers.outputs.length !== p.outputCount) {
        throw new GradientError(
          'invalid-buffer',
          `outputs: ${describe(buffers.outputs)} must hold one buffer per output (${p.outputCount})`,
        );
      }
      work = p.separate ?? p.stacked;
      if (!p.separate && p.outputCount > 1)
        throw new GradientError(
          'invalid-buffer',
          'outputs: fused results, and the gradient on a grid (one pass), go to one stacked `output`',
        );
      outputs = this.separateOutputs;
      for (let k = 0; k < outputs.length; k++) this.bound(buffers.outputs[k], k + 1, p.axisBytes);
    } else {
      throw new GradientError('invalid-buffer', 'output or outputs is required: a prepared kernel writes into buffers you supply');
    }
    const count = 1 + outputs.length;
    for (let i = 0; i < count; i++)
      for (let j = i + 1; j < count; j++) {
        const a = checked[i];
        const b = checked[j];
        if (a.buffer === b.buffer && a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes) {
          const stacked = outputs === this.stackedOutputs;
          throw new GradientError(
            'invalid-buffer',
            `${bindingName(i, stacked)} and ${bindingName(j, stacked)} overlap in one buffer (the stencils read neighbours an output would overwrite)`,
          );
        }
      }
    refuseTimestampsInPass(inPass, buffers.timestampWrites);
    return this.groupsFor(work, checked[0], outputs);
  }

  /**
   * The steps' bind groups on these buffers: those made when they last met, or new ones kept from then on
   * (at most GROUPS_PER_INPUT sets per input buffer; none outlives its input buffer). A frame loop encodes
   * the same buffers each frame: through Dawn on SwiftShader a 64² encode took 26–30 µs making its bind
   * group, against 11 with it kept (bench/NOTES.md, ninth session).
   */
  private groupsFor(work: KernelVariantWork, input: Checked, outputs: readonly Checked[]): KernelGroupSet {
    const p = this.parts;
    const list = keyed(this.keptGroups, input.buffer, newGroupSets);
    for (let i = 0; i < list.length; i++) {
      const set = list[i]; // not for-of: its iterator was made per record here (bench/alloc.mjs --op encode)
      if (set.work === work && set.inputOffset === input.offset && sameOutputs(set.outputs, outputs)) return set;
    }
    const groups = stepBindGroups(work.steps, {
      device: p.device,
      layout: p.layout,
      bytesPerElement: p.bytesPerElement,
      outputBytesPerElement: p.outputBytesPerElement,
      input,
      inputBase: 0,
      weights: p.weights,
      uniforms: { buffer: work.uniforms, stride: p.uniformStride },
      outputs,
    });
    if (list.length === GROUPS_PER_INPUT) list.shift();
    const set = { work, inputOffset: input.offset, outputs: outputs.map(({ buffer, offset }) => ({ buffer, offset })), groups };
    list.push(set);
    return set;
  }

  /** Destroys the uniform and weight buffers this kernel owns; later encodes are refused. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.parts.forget();
    this.parts.stacked.uniforms.destroy();
    this.parts.separate?.uniforms.destroy();
    if (this.parts.ownsWeights) this.parts.weights.destroy();
  }

  /**
   * Checks a binding (a storage buffer with `bytes` from an aligned offset) into the kernel's own
   * `checked[k]` (`k` -1: the stacked output, `checked[1]`).
   */
  private bound(arg: unknown, k: number, bytes: number): void {
    const binding = arg as GPUBufferBinding;
    const buffer = (isGpuBuffer(arg) ? arg : binding?.buffer) as GPUBuffer;
    const at = k < 0 ? 1 : k;
    if (!isGpuBuffer(buffer))
      throw new GradientError(
        'invalid-buffer',
        `${bindingName(at, k < 0)}: ${describe(arg)} is not a GPUBuffer or { buffer, offset, size }`,
      );
    if (!(buffer.usage & BufferUsage.STORAGE))
      throw new GradientError('invalid-buffer', `${bindingName(at, k < 0)}: the buffer lacks STORAGE usage`);
    const offset = isGpuBuffer(arg) ? 0 : (binding.offset ?? 0);
    if (!Number.isInteger(offset) || offset < 0 || offset % this.parts.storageAlignment !== 0) {
      throw new GradientError(
        'invalid-buffer',
        `${bindingName(at, k < 0)}: offset ${describe(offset)} must be a multiple of ${this.parts.storageAlignment} (the device's minStorageBufferOffsetAlignment)`,
      );
    }
    const size = isGpuBuffer(arg) || binding.size === undefined ? buffer.size - offset : binding.size;
    if (size < bytes || offset + size > buffer.size) {
      throw new GradientError(
        'invalid-buffer',
        `${bindingName(at, k < 0)}: ${size} bytes from offset ${offset}, but at least ${bytes} are needed`,
      );
    }
    const checked = this.checked[at];
    checked.buffer = buffer;
    checked.offset = offset;
    checked.bytes = bytes;
  }
}

disposable(PreparedKernel);

/**
 * `using k = await g.prepare(…)`: Symbol.dispose (calling destroy) where the runtime has it, attached at
 * run time rather than declared, so that the declarations do not require lib "esnext.disposable" of consumers.
 */
export function disposable(Class: { prototype: { destroy(): void } }): void {
  const dispose = (Symbol as { dispose?: symbol }).dispose;
  if (dispose)
    Object.defineProperty(Class.prototype, dispose, {
      value(this: { destroy(): void }) {
        this.destroy();
      },
      configurable: true,
    });
}

/**
 * Checks the options, plans the dispatches of both output arrangements (one stacked buffer; one buffer
 * per axis), fetches their pipelines and writes the kernel's uniform and weight buffers, allocated inside
 * the error scopes (out of memory → gpu-error). `forget` is called when the kernel is destroyed.
 */
export async function prepareKernel(
  rt: PrepareRuntime,
  options: PrepareOptions,
  forget: (kernel: PreparedKernel) => void,
): Promise<PreparedKernel> {
  const {
    plan,
    op,
    outputCount,
    format,
    outputType,
    components,
    stride,
    layout: outputLayout,
  } = gpuArguments(options, 'prepare', rt.limits);
  const outBytes = outputBytes(outputType);
  rt.life.checkUsable();
  const N = plan.size;
  const inputElements = (components - 1) * stride + N;
  if (N > 0) checkSize(plan, format, inputElements, rt.limits);
  const arrangement = arrangeOutputs(outputCount, N, rt.limits, outputType);
  const layout = chooseLayout(plan);
  const plannedFor = (places: readonly OutputPlace[]) =>
    planWork(rt.pipelines, rt.limits, plan, layout, format, places, { op, outputType, components, componentStride: stride });
  const empty = N === 0 || outputCount === 0;
  const owned = await (async () => {
    const stacked = empty ? null : await plannedFor(arrangement.stacked);
    const separate = !empty && dispatchedPerAxis(op, plan) && outputCount > 1 ? await plannedFor(arrangement.separate) : null;
    rt.life.checkUsable();
    // A curvilinear grid's metric terms of every point go here once (four floats a point in 2-D, nine in 3-D).
    const packed = packWeights(plan, op);
    const ownsWeights = hasWeights(packed);
    const ustride = uniformStride(rt.limits.minUniformBufferOffsetAlignment);
    return guarded(rt.device, () => {
      const weights = ownsWeights
        ? rt.device.createBuffer({
            label: 'webgpu-gradient weights',
            size: packed.data.byteLength,
            usage: BufferUsage.STORAGE | BufferUsage.COPY_DST,
          })
        : rt.pipelines.noWeights();
      if (ownsWeights) rt.device.queue.writeBuffer(weights, 0, packed.data);
      const variant = (work: Work | null): KernelVariantWork => {
        const steps = work?.steps ?? [];
        const uniforms = rt.device.createBuffer({
          label: 'webgpu-gradient uniforms',
          size: Math.max(steps.length * ustride, 16),
          usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
        });
        if (steps.length > 0) rt.device.queue.writeBuffer(uniforms, 0, packUniforms(steps, plan, packed, stride, ustride));
        return { steps, pipelines: work?.pipelines ?? [], uniforms };
      };
      return { weights, ownsWeights, uniformStride: ustride, stacked: variant(stacked), separate: separate ? variant(separate) : null };
    });
  })().catch((error) => {
    throw rt.life.translate(error);
  });
  const kernel: PreparedKernel = new PreparedKernel({
    device: rt.device,
    layout: rt.pipelines.bindGroupLayout,
    bytesPerElement: format.bytesPerElement,
    outputBytesPerElement: outBytes,
    storageAlignment: rt.limits.minStorageBufferOffsetAlignment,
    inputBytes: ceilTo(inputElements * format.bytesPerElement, 16),
    stackedBytes: outputLayout.totalBytes,
    axisBytes: arrangement.separateBytes,
    outputLayout,
    outputCount,
    ...owned,
    checkUsable: () => rt.life.checkUsable(),
    forget: () => forget(kernel),
  });
  return kernel;
}

/** A binding that passed the checks: its buffer, offset and the bytes the kernel touches. */
interface Checked extends BoundBuffer {
  buffer: GPUBuffer;
  offset: number;
  bytes: number;
}

/** The name of binding `k` in error messages: 0 the input, then the stacked output or outputs[k - 1]. */
function bindingName(k: number, stacked: boolean): string {
  return k === 0 ? 'input' : stacked ? 'output' : `outputs[${k - 1}]`;
}

function sameOutputs(kept: KernelGroupSet['outputs'], outputs: readonly Checked[]): boolean {
  if (kept.length !== outputs.length) return false;
  for (let i = 0; i < kept.length; i++) if (kept[i].buffer !== outputs[i].buffer || kept[i].offset !== outputs[i].offset) return false;
  return true;
}

/** Records a checked set's dispatches into an open pass (PreparedKernel.checkedRecord). */
export function recordSet(pass: GPUComputePassEncoder, set: KernelGroupSet): void {
  dispatchSteps(pass, set.work.steps, set.work.pipelines, set.groups);
}

const PASS: GPUComputePassDescriptor = { label: 'webgpu-gradient' };

/** The pass an encode begins: `base`, a descriptor made once, unless the caller asks for timestamp writes. */
export function passDescriptor(
  args: { timestampWrites?: GPUComputePassTimestampWrites },
  base: GPUComputePassDescriptor = PASS,
): GPUComputePassDescriptor {
  return args.timestampWrites === undefined ? base : { label: base.label, timestampWrites: args.timestampWrites };
}

/** Whether `target` is an open compute pass rather than a command encoder (engines' classes differ, so by shape). */
export function isComputePass(target: GPUCommandEncoder | GPUComputePassEncoder): target is GPUComputePassEncoder {
  return typeof (target as GPUComputePassEncoder).dispatchWorkgroups === 'function';
}

/** Timestamp writes belong to a pass the library begins: refused when recording into the caller's open pass. */
export function refuseTimestampsInPass(inPass: boolean, timestampWrites: GPUComputePassTimestampWrites | undefined): void {
  if (inPass && timestampWrites !== undefined) {
    throw new GradientError('invalid-option', 'timestampWrites: only for a command encoder (an open pass has its own timestamp writes)');
  }
}

/** Whether `value` looks like a GPUBuffer (engines' buffer classes differ, so by shape). */
export function isGpuBuffer(value: unknown): value is GPUBuffer {
  const b = value as GPUBuffer;
  return !!b && typeof b === 'object' && typeof b.size === 'number' && typeof b.usage === 'number' && typeof b.mapAsync === 'function';
}
