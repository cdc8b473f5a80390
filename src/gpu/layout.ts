import type { OutputType } from '../types.js';
import { outputBytes } from './formats.js';
import { ceilTo, type GpuLimits, type OutputPlace, slabAlignment } from './steps.js';

/**
 * The one layout planner for output and component buffers: where each of a call's outputs lies — stacked
 * in one buffer, output k at slab k (one pass computes every axis), or one buffer each — and how far apart
 * stacked input components are. Host calls (per piece, and for batches of concurrent calls), prepared
 * kernels and their size checks all take their layout from here.
 */

/** The outputs of `count` results of `length` elements, in both arrangements. */
export interface OutputArrangement {
  /** Elements from one stacked output to the next: `length` rounded up to the binding-offset alignment. */
  readonly slab: number;
  /** Bytes of the stacked buffer (at least 16: WebGPU binds no less). */
  readonly stackedBytes: number;
  /** Bytes of each buffer when the outputs are separate. */
  readonly separateBytes: number;
  /** Whether the stacked buffer fits the device's largest buffer. */
  readonly fitsStacked: boolean;
  /** Output k at element k·slab of buffer 0. */
  readonly stacked: readonly OutputPlace[];
  /** Output k at element 0 of buffer k. */
  readonly separate: readonly OutputPlace[];
}

export function arrangeOutputs(count: number, length: number, limits: GpuLimits, type: OutputType = 'float32'): OutputArrangement {
  const eb = outputBytes(type);
  const slab = ceilTo(length, slabAlignment(limits, eb));
  const stackedBytes = Math.max(count * slab * eb, 16);
  const stacked: OutputPlace[] = [];
  const separate: OutputPlace[] = [];
  for (let k = 0; k < count; k++) {
    stacked.push({ buffer: 0, offset: k * slab });
    separate.push({ buffer: k, offset: 0 });
  }
  return {
    slab,
    stackedBytes,
    separateBytes: ceilTo(length * eb, 16),
    fitsStacked: stackedBytes <= limits.maxBufferSize,
    stacked,
    separate,
  };
}

/** The default distance between components stacked in a prepared kernel's input: the size rounded up to a slab. */
export function defaultComponentStride(size: number, limits: GpuLimits): number {
  return ceilTo(size, slabAlignment(limits));
}
