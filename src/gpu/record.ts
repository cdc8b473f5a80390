import type { Plan } from '../plan.js';
import type { PackedWeights } from './coefficients.js';
import { ceilTo, foldGrid, type Step } from './steps.js';
import { PARAMS_BYTES, writeParams } from './uniforms.js';

/**
 * Recording dispatches: the uniforms of a list of steps, and their bind groups and dispatches in an open
 * compute pass. Shared by the host path (work.ts, for host.ts) and prepared kernels (prepared.ts); synchronous.
 */

/** A buffer bound from byte `offset` on. */
export interface BoundBuffer {
  readonly buffer: GPUBuffer;
  readonly offset: number;
}

export interface StepResources {
  readonly device: GPUDevice;
  readonly layout: GPUBindGroupLayout;
  readonly bytesPerElement: number;
  /** Bytes of one result element in the output buffers (4 float32, 2 float16). */
  readonly outputBytesPerElement: number;
  /** Holds the array's element `inputBase` at its byte `offset`. */
  readonly input: BoundBuffer;
  readonly inputBase: number;
  readonly weights: GPUBuffer;
  /** Step i's `Params` at byte i·stride. */
  readonly uniforms: { readonly buffer: GPUBuffer; readonly stride: number };
  /** Output buffer k of the steps' OutputSlots. */
  readonly outputs: readonly BoundBuffer[];
}

/** Byte distance between the `Params` of consecutive steps in a uniform buffer. */
export function uniformStride(minUniformBufferOffsetAlignment: number): number {
  return ceilTo(PARAMS_BYTES, minUniformBufferOffsetAlignment);
}

/** The `Params` of every step, `stride` bytes apart. */
export function packUniforms(
  steps: readonly Step[],
  plan: Plan,
  weights: PackedWeights,
  componentStride: number,
  stride: number,
): ArrayBuffer {
  const view = new DataView(new ArrayBuffer(steps.length * stride));
  steps.forEach((step, i) =>
    writeParams(
      view,
      i * stride,
      {
        begin: step.begin,
        count: step.count,
        inBase: step.input.offset,
        outBase: step.outBase,
        componentStride,
        grid: weights.grid ?? undefined,
        slots: step.slots.map((s) => ({
          axis: plan.axes[s.axisIndex],
          outOffset: s.outOffset,
          weightOffset: weights.offsets[s.axisIndex],
          component: s.axisIndex,
        })),
      },
      plan,
    ),
  );
  return view.buffer;
}

/** Records the steps into an open compute pass: its bind group (stepBindGroups) and a dispatch each, pipelines switched as needed. */
export function dispatchSteps(
  pass: GPUComputePassEncoder,
  steps: readonly Step[],
  pipelines: readonly GPUComputePipeline[],
  groups: readonly GPUBindGroup[],
): void {
  let current: GPUComputePipeline | null = null;
  for (let i = 0; i < steps.length; i++) {
    if (pipelines[i] !== current) {
      current = pipelines[i];
      pass.setPipeline(current);
    }
    pass.setBindGroup(0, groups[i]);
    const grid = steps[i].grid;
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
  }
}

/** The bind group of each step: its input and output ranges, the weights, and its `Params`. */
export function stepBindGroups(steps: readonly Step[], r: StepResources): GPUBindGroup[] {
  const bytes = r.bytesPerElement;
  const outBytes = r.outputBytesPerElement;
  return steps.map((step, i) => {
    const output = r.outputs[step.output.buffer];
    return r.device.createBindGroup({
      layout: r.layout,
      entries: [
        {
          binding: 0,
          resource: {
            buffer: r.input.buffer,
            offset: r.input.offset + (step.input.offset - r.inputBase) * bytes,
            size: ceilTo(step.input.size * bytes, 16),
          },
        },
        { binding: 1, resource: { buffer: r.weights } },
        { binding: 2, resource: { buffer: r.uniforms.buffer, offset: i * r.uniforms.stride, size: PARAMS_BYTES } },
        {
          binding: 3,
          resource: {
            buffer: output.buffer,
            offset: output.offset + step.output.offset * outBytes,
            size: ceilTo(step.output.size * outBytes, 16),
          },
        },
      ],
    });
  });
}

/**
 * `workgroups` dispatched in `pass`, folded into a grid where they exceed `maxPerDim` (foldGrid); the
 * common case without the grid's array (a list a dispatch, spread, cost about 74 bytes a small call).
 */
export function dispatchFolded(pass: GPUComputePassEncoder, workgroups: number, maxPerDim: number): void {
  if (workgroups <= maxPerDim) pass.dispatchWorkgroups(Math.max(workgroups, 1));
  else pass.dispatchWorkgroups(...foldGrid(workgroups, maxPerDim));
}
