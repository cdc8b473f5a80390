import { describe, GradientError } from '../errors.js';
import type { GpuLimits, Runs } from './steps.js';

/** The device limits a context may lower (GpuLimits less the wanted workgroup size and runs). */
type DeviceLimits = Omit<GpuLimits, 'workgroupSize' | 'runs'>;

/** Options of `createGradient`: the device, and tuning knobs whose defaults were measured. */
export interface GradientContextOptions {
  /** Device to use; without it one is requested (navigator.gpu, or Dawn's `webgpu` package in Node) and owned. */
  device?: GPUDevice;
  /**
   * Lowers some device limits, so that small arrays exercise grid folding, binding splits and streaming.
   * @internal
   */
  limits?: Partial<DeviceLimits>;
  /** Idle bytes the buffer pool may keep (default 256 MiB), and the bytes work kept for repeated host calls may hold. */
  maxPooledBytes?: number;
  /** Idle buffers the pool may keep (default 64). */
  maxPooledBuffers?: number;
  /**
   * Invocations per workgroup (default 256, rounded down to a power of two and capped by the device's
   * limits). A tuning knob for benchmarks: 64 to 1024 ran within 2 % of 256 on an H100 and an H200 for 2-D and 3-D.
   */
  workgroupSize?: number;
  /**
   * Items each invocation takes, 1 to 16 (default 1 each): `scalar`, consecutive elements where the last
   * dimension is not a multiple of 4; `vec4`, consecutive groups of four elsewhere, float32 results;
   * `vec4Float16`, the same with float16 results. A run's first item pays the coordinates' divisions.
   * Ghost boundary modes and gaps take one. A tuning knob for benchmarks until a GPU run picks the
   * defaults (issue 26; bench/gpu.mjs and bench/half.mjs time runs of 1 to 8).
   * @internal
   */
  runs?: Partial<Runs>;
  /**
   * Host calls are streamed in pieces that move at most this many bytes each way (input window, results),
   * at most two pieces in flight per call, so a call holds a bounded amount of GPU memory whatever the
   * array's size (docs/host-path.md). Default 64 MiB; at least 4096.
   */
  chunkBytes?: number;
}

const CONTEXT_OPTION_KEYS = ['device', 'limits', 'maxPooledBytes', 'maxPooledBuffers', 'workgroupSize', 'runs', 'chunkBytes'];
const RUN_KEYS = ['scalar', 'vec4', 'vec4Float16'];
export const DEFAULT_CHUNK_BYTES = 64 * 2 ** 20;

/** Refuses an unknown or bad option by name and value (a NaN pool cap, say, would never evict anything). */
export function checkContextOptions(options: GradientContextOptions): void {
  if (options === null || typeof options !== 'object')
    throw new GradientError('invalid-option', `options: ${describe(options)} must be an object`);
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
  const runs: unknown = options.runs;
  if (runs !== undefined) {
    if (runs === null || typeof runs !== 'object') throw new GradientError('invalid-option', `runs: ${describe(runs)} must be an object`);
    for (const [key, value] of Object.entries(runs)) {
      if (!RUN_KEYS.includes(key))
        throw new GradientError('invalid-option', `runs.${key}: unknown (expected one of ${RUN_KEYS.join(', ')})`);
      if (!(typeof value === 'number' && integerIn(1, 16)(value)))
        throw new GradientError('invalid-option', `runs.${key}: ${describe(value)} must be an integer from 1 to 16`);
    }
  }
  check('maxPooledBytes', (v) => v >= 0, 'a number ≥ 0 (Infinity for no cap)');
  check('maxPooledBuffers', (v) => v >= 0, 'a number ≥ 0 (Infinity for no cap)');
  check('chunkBytes', integerIn(4096, 2 ** 52), 'an integer ≥ 4096');
}

/** The limits the planners work within: the device's, lowered by `options.limits`, with the workgroup size wanted. */
export function effectiveLimits(device: GPUDevice, options: GradientContextOptions): GpuLimits {
  const l = device.limits;
  const o = options.limits ?? {};
  const pick = (name: keyof DeviceLimits) => Math.min(l[name], o[name] ?? Infinity);
  return {
    maxStorageBufferBindingSize: pick('maxStorageBufferBindingSize'),
    maxBufferSize: pick('maxBufferSize'),
    maxComputeWorkgroupsPerDimension: pick('maxComputeWorkgroupsPerDimension'),
    maxComputeInvocationsPerWorkgroup: pick('maxComputeInvocationsPerWorkgroup'),
    maxComputeWorkgroupSizeX: pick('maxComputeWorkgroupSizeX'),
    minStorageBufferOffsetAlignment: Math.max(l.minStorageBufferOffsetAlignment, o.minStorageBufferOffsetAlignment ?? 0),
    minUniformBufferOffsetAlignment: Math.max(l.minUniformBufferOffsetAlignment, o.minUniformBufferOffsetAlignment ?? 0),
    workgroupSize: options.workgroupSize,
    runs: options.runs,
  };
}
