export { cpuGradient, type CpuGradientOptions } from './cpu.js';
export { cpuCurl, cpuDivergence, cpuGradientMagnitude } from './derived.js';
export type { DerivedField } from './components.js';
export { GradientError, type GradientErrorCode } from './errors.js';
export type { DataKind, GradientOptions, NumericArray } from './types.js';
export {
  gpuGradient, gpuGradientMagnitude, gpuDivergence, gpuCurl, createGradient, defaultGradientContext, releaseDefaultDevice,
  type GpuGradientOptions,
} from './gpu/api.js';
export {
  GradientContext, type GradientContextOptions, type HostCallOptions, type PrepareOptions, type EncodeOptions, type EncodedGradient, type ContextStats,
} from './gpu/context.js';
export type { GpuLimits } from './gpu/dispatch.js';
export { describeAdapter } from './gpu/device.js';
export { PreparedKernel, type KernelBinding, type KernelBuffers } from './gpu/prepared.js';
