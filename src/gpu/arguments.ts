import type { DerivedField } from '../components.js';
import { describe, GradientError } from '../errors.js';
import { derivedOperation, OPERATIONS, type Operation, outputsOf } from '../operations.js';
import { makePlan, type Plan } from '../plan.js';
import type { DataKind, GradientOptions, OutputType } from '../types.js';
import { checkFloat32Coefficients } from './coefficients.js';
import { GPU_DTYPES, type InputFormat, inputFormat, outputBytes } from './formats.js';
import { arrangeOutputs, defaultComponentStride } from './layout.js';
import { ceilTo, type GpuLimits } from './steps.js';

/**
 * What a GPU call computes and how big its buffers are: the operation, its output count, the byte layout
 * of stacked outputs and components, and the checks that the arrays fit what the GPU addresses. The host
 * path and prepared kernels both size their buffers here, so the layout is computed in one place.
 */

/** Options that name GPU-side arguments, which the plan itself does not read. */
export const GPU_OPTION_KEYS = ['device', 'out', 'outputType'];

/** Arguments of `prepare`: the gradient options with the array's `shape` (required) and GPU element type. */
export interface PrepareOptions extends GradientOptions {
  /** The array's shape: a GPU buffer does not know it. */
  shape: readonly number[];
  /** Element type in the input buffer (default 'float32'; 'float64' is not a GPU type). */
  dtype?: Exclude<DataKind, 'float64'>;
  /**
   * A fused result instead of every axis's derivative: 'magnitude' (one output), 'divergence' (one
   * output), 'curl' (one output for 2 axes, three for 3) or 'laplacian' (one output; uniform steps).
   * For divergence and curl, the input holds the components stacked, component k at element
   * k·componentStride.
   */
  derived?: DerivedField;
  /** Elements between stacked components (default: the size rounded up to the slab alignment, 64). */
  componentStride?: number;
  /** Element type of the results written to the output buffers (default 'float32'; 'float16': halves). */
  outputType?: OutputType;
}

/** Checks an `outputType` option. */
export function checkOutputType(outputType: unknown): OutputType {
  if (outputType === undefined || outputType === 'float32') return 'float32';
  if (outputType === 'float16') return 'float16';
  throw new GradientError('invalid-option', `outputType: ${describe(outputType)} must be 'float32' or 'float16'`);
}

/** Byte layout of a stacked output: output k starts at byte k·slabBytes; the buffer needs totalBytes. */
export interface OutputLayout {
  /** Bytes from one output to the next (the size rounded up to the slab alignment, 64 elements). */
  readonly slabBytes: number;
  /** Bytes the stacked buffer needs. */
  readonly totalBytes: number;
}

/**
 * The stacked layout of `outputs` results of `size` elements of `type` each (at least 16 bytes: WebGPU
 * binds no less). Slabs start at binding-aligned byte offsets.
 */
export function outputLayoutOf(size: number, outputs: number, limits: GpuLimits, type: OutputType = 'float32'): OutputLayout {
  const arrangement = arrangeOutputs(outputs, size, limits, type);
  return { slabBytes: arrangement.slab * outputBytes(type), totalBytes: arrangement.stackedBytes };
}

/** The checked arguments of GPU-resident work (prepare, and the context's outputLayout). */
export interface GpuArguments {
  readonly plan: Plan;
  readonly op: Operation;
  readonly outputCount: number;
  readonly format: InputFormat;
  readonly outputType: OutputType;
  /** Arrays stacked in the input, `stride` elements apart. */
  readonly components: number;
  readonly stride: number;
  readonly layout: OutputLayout;
}

/**
 * Checks what `prepare` is given: the shape (required: a GPU buffer does not know it), the element type,
 * the plan's options, the fused result and the stride of stacked components.
 */
export function gpuArguments(options: PrepareOptions | undefined, caller: string, limits: GpuLimits): GpuArguments {
  if (!options || !Array.isArray(options.shape)) {
    throw new GradientError(
      'invalid-shape',
      `shape: ${describe(options?.shape)} is required by ${caller} (the GPU buffer does not know it)`,
    );
  }
  const { dtype = 'float32', derived, componentStride, shape, outputType: wanted, ...gradientOptions } = options;
  const outputType = checkOutputType(wanted);
  if (!GPU_DTYPES.includes(dtype)) {
    throw new GradientError('invalid-option', `dtype: ${describe(dtype)} must be one of ${GPU_DTYPES.join(', ')}`);
  }
  if ((gradientOptions as { mask?: unknown }).mask !== undefined) {
    throw new GradientError(
      'invalid-option',
      `mask: given to ${caller}, whose input is a GPU buffer: write NaN into the masked points of the buffer (invalid: 'skip' treats non-finite values as gaps)`,
    );
  }
  const length = shape.every((n) => typeof n === 'number') ? shape.reduce((p, n) => p * n, 1) : NaN;
  const plan = makePlan({ length, kind: dtype }, { ...gradientOptions, shape }, []);
  const op = derivedOperation(derived, plan);
  checkFloat32Coefficients(plan, op);
  const N = plan.size;
  const outputCount = outputsOf(op, plan);
  const components = OPERATIONS[op].inputs(plan);
  const layout = outputLayoutOf(N, outputCount, limits, outputType);
  const stride = componentStride ?? defaultComponentStride(N, limits);
  if (!Number.isInteger(stride) || stride < N || (components > 1 && stride % 4 !== 0)) {
    throw new GradientError(
      'invalid-option',
      `componentStride: ${describe(componentStride)} must be an integer multiple of 4, at least the size ${N}`,
    );
  }
  return { plan, op, outputCount, format: inputFormat(dtype), outputType, components, stride, layout };
}

/** The shaders index elements with u32 (with room for a vec4 group past the end). */
export function checkIndexable(size: number): void {
  if (size >= 2 ** 32 - 4) throw new GradientError('too-large', `data: ${size} elements, but the GPU indexes at most 2^32 − 5`);
}

/** Refuses work whose indices or buffers exceed what the GPU addresses: `inputElements` in one buffer. */
export function checkSize(plan: Plan, format: InputFormat, inputElements: number, limits: GpuLimits): void {
  checkIndexable(plan.size);
  const inputBytes = ceilTo(inputElements * format.bytesPerElement, 16);
  if (inputBytes > limits.maxBufferSize || plan.size * 4 > limits.maxBufferSize) {
    throw new GradientError(
      'too-large',
      `data: ${plan.size} elements exceed this device's largest buffer (${limits.maxBufferSize} bytes)` +
        (plan.axes.some((ax) => ax.axis === 0 && ax.periodic)
          ? '; a periodic first axis reads across the whole array, so it cannot be streamed in pieces'
          : ''),
    );
  }
  // A curvilinear grid's metric terms of the whole array are one binding (weights).
  const metricBytes = plan.grid?.kind === 'curvilinear' ? plan.size * plan.axes.length ** 2 * 4 : 0;
  if (metricBytes > Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize)) {
    throw new GradientError(
      'too-large',
      `coordinates: the metric terms of ${plan.size} points (${plan.axes.length ** 2} floats each, ${metricBytes} bytes) exceed this device's largest storage binding (${limits.maxStorageBufferBindingSize} bytes); host calls stream them in pieces unless the first axis is periodic`,
    );
  }
}
