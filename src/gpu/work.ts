import { dispatchedPerAxis, type Operation } from '../operations.js';
import type { Plan } from '../plan.js';
import type { OutputType } from '../types.js';
import { hasWeights, packWeights } from './coefficients.js';
import { BufferUsage } from './flags.js';
import { type InputFormat, outputBytes } from './formats.js';
import type { Recorder } from './parts.js';
import type { PipelineCache } from './pipelines.js';
import { type BoundBuffer, dispatchSteps, packUniforms, stepBindGroups, uniformStride } from './record.js';
import { type GpuLimits, type Layout, type OutputPlace, type Piece, planFusedSteps, planSteps, type Step, wantedRun } from './steps.js';
import { keepsAxisOrder, kernelVariant } from './variant.js';
import type { KeptWork } from './work-cache.js';

/**
 * Work of one call (or one streamed piece): the plan split into dispatches (steps.ts) with the
 * pipeline of each, and its recording with uniform and weight buffers borrowed from the pool.
 */

export interface Work {
  readonly plan: Plan;
  readonly format: InputFormat;
  readonly steps: readonly Step[];
  readonly pipelines: readonly GPUComputePipeline[];
  readonly op: Operation;
  readonly outputType: OutputType;
  /** Arrays stacked in the input (fused operations), `componentStride` elements apart. */
  readonly components: number;
  readonly componentStride: number;
}

export interface WorkOptions {
  readonly op: Operation;
  /** Element type of the results in the output buffers. */
  readonly outputType: OutputType;
  readonly components: number;
  readonly componentStride: number;
}

/** Splits a plan (or one piece of it) into dispatches writing the outputs at `places` (pure: steps.ts). */
function stepsOf(
  plan: Plan,
  layout: Layout,
  format: InputFormat,
  places: readonly OutputPlace[],
  options: WorkOptions,
  limits: GpuLimits,
  piece?: Piece,
) {
  const { op, components, componentStride } = options;
  const bpe = format.bytesPerElement;
  const run = wantedRun(limits, layout, options.outputType);
  return dispatchedPerAxis(op, plan)
    ? planSteps(plan, layout, bpe, places, limits, piece, run)
    : planFusedSteps(plan, layout, bpe, components, componentStride, places, limits, keepsAxisOrder(op, plan), piece, run);
}

/** The pipeline variant of each step. */
function variantsOf(plan: Plan, layout: Layout, options: WorkOptions, steps: readonly Step[]) {
  return steps.map((step) =>
    kernelVariant(
      plan,
      layout,
      options.op,
      step.slots.map((s) => plan.axes[s.axisIndex]),
      options.outputType,
      step.run,
    ),
  );
}

/** Splits a plan (or one piece of it) into dispatches writing the outputs at `places`, and fetches (or builds) the pipeline of each. */
export async function planWork(
  pipelines: PipelineCache,
  limits: GpuLimits,
  plan: Plan,
  layout: Layout,
  format: InputFormat,
  places: readonly OutputPlace[],
  options: WorkOptions,
  piece?: Piece,
): Promise<Work> {
  const steps = stepsOf(plan, layout, format, places, options, limits, piece);
  const built = await Promise.all(variantsOf(plan, layout, options, steps).map((v) => pipelines.pipeline(format, v)));
  return { plan, format, steps, pipelines: built, ...options };
}

/**
 * `planWork` without awaiting: null unless every pipeline the dispatches need is built already (a batch
 * of concurrent calls is recorded inside a synchronous block).
 */
export function readyWork(
  pipelines: PipelineCache,
  limits: GpuLimits,
  plan: Plan,
  layout: Layout,
  format: InputFormat,
  places: readonly OutputPlace[],
  options: WorkOptions,
): Work | null {
  const steps = stepsOf(plan, layout, format, places, options, limits);
  const built = variantsOf(plan, layout, options, steps).map((v) => pipelines.ready(format, v));
  return built.every((p) => p !== null) ? { plan, format, steps, pipelines: built as GPUComputePipeline[], ...options } : null;
}

/**
 * Records every dispatch of `work` in a compute pass of its own; returns the pooled uniform and weight
 * buffers it reads, to release once the work is done. `input` holds the array from element `inputBase`
 * on (a streamed piece's window starts there) at its byte offset (a binding offset).
 */
export function recordWork(
  r: Recorder,
  encoder: GPUCommandEncoder,
  work: Work,
  input: BoundBuffer,
  outputs: readonly GPUBuffer[],
  inputBase = 0,
): GPUBuffer[] {
  const { plan, format, steps } = work;
  const stride = uniformStride(r.limits.minUniformBufferOffsetAlignment);
  const uniforms = r.pool.acquire(steps.length * stride, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
  const temps = [uniforms];
  // A grid's numbers of the elements these steps write (a streamed piece's metric terms go up with it).
  const from = steps.length > 0 ? steps[0].outBase : 0;
  const to = steps.reduce((end, s) => Math.max(end, s.begin + s.count), from); // scalar layout: items are elements
  const packed = packWeights(plan, work.op, from, plan.grid?.kind === 'curvilinear' ? to : plan.size);
  let weights = r.pipelines.noWeights();
  if (hasWeights(packed)) {
    weights = r.pool.acquire(packed.data.byteLength, BufferUsage.STORAGE | BufferUsage.COPY_DST);
    r.device.queue.writeBuffer(weights, 0, packed.data);
    temps.push(weights);
  }
  r.device.queue.writeBuffer(uniforms, 0, packUniforms(steps, plan, packed, work.componentStride, stride));
  const pass = encoder.beginComputePass(PASS);
  const groups = stepBindGroups(steps, {
    device: r.device,
    layout: r.pipelines.bindGroupLayout,
    bytesPerElement: format.bytesPerElement,
    outputBytesPerElement: outputBytes(work.outputType),
    input,
    inputBase,
    weights,
    uniforms: { buffer: uniforms, stride },
    outputs: outputs.map((buffer) => ({ buffer, offset: 0 })),
  });
  dispatchSteps(pass, steps, work.pipelines, groups);
  pass.end();
  return temps;
}

/**
 * Records kept work (work-cache.ts) of a whole array: its own uniforms and weights, written when it was
 * kept, and the bind groups of these buffers, made the first time they meet. Nothing to release to the pool.
 */
export function recordKeptWork(
  r: Recorder,
  encoder: GPUCommandEncoder,
  kept: KeptWork,
  input: GPUBuffer,
  output: GPUBuffer,
): readonly GPUBuffer[] {
  const { work } = kept;
  const groups = kept.groups(input, output) ?? kept.keepGroups(input, output, keptBindGroups(r, kept, input, output));
  const pass = encoder.beginComputePass(PASS);
  dispatchSteps(pass, work.steps, work.pipelines, groups);
  pass.end();
  return NO_BUFFERS;
}

/** The bind groups of kept work's steps over these input and output buffers. */
function keptBindGroups(r: Recorder, kept: KeptWork, input: GPUBuffer, output: GPUBuffer): GPUBindGroup[] {
  const { work } = kept;
  return stepBindGroups(work.steps, {
    device: r.device,
    layout: r.pipelines.bindGroupLayout,
    bytesPerElement: work.format.bytesPerElement,
    outputBytesPerElement: outputBytes(work.outputType),
    input: { buffer: input, offset: 0 },
    inputBase: 0,
    weights: kept.weights,
    uniforms: { buffer: kept.uniforms, stride: kept.uniformStride },
    outputs: [{ buffer: output, offset: 0 }],
  });
}

/** Made once, not per call. */
const PASS: GPUComputePassDescriptor = { label: 'webgpu-gradient' };
const NO_BUFFERS: readonly GPUBuffer[] = Object.freeze([]);
