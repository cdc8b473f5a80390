export { cpuGradient, type CpuGradientOptions } from './cpu/gradient.js';
export { cpuCurl, cpuDivergence, cpuGradientMagnitude } from './cpu/derived.js';
export type { DerivedField } from './components.js';
export { GradientError, type GradientErrorCode } from './errors.js';
export type { DataKind, GradientOptions, NumericArray } from './types.js';
export {
  gpuGradient, gpuGradientMagnitude, gpuDivergence, gpuCurl, createGradient, defaultGradient, destroyDefaultGradient,
  type GpuGradientOptions,
} from './gpu/api.js';
export { GradientContext, type HostCallOptions, type ContextStats } from './gpu/context.js';
export type { GradientContextOptions } from './gpu/options.js';
export type { PrepareOptions, OutputLayout } from './gpu/operation.js';
export type { GpuLimits } from './gpu/dispatch.js';
export type { TransferStats } from './gpu/transfer.js';
export type { PoolStats } from './gpu/pool.js';
export { describeAdapter } from './gpu/device.js';
export { PreparedKernel, type KernelBinding, type KernelBuffers } from './gpu/prepared.js';
