export { cpuGradient, type CpuGradientOptions } from './cpu';
export { cpuCurl, cpuDivergence, cpuGradientMagnitude } from './derived';
export type { DerivedField } from './components';
export { GradientError, type GradientErrorCode } from './errors';
export type { DataKind, GradientOptions, NumericArray } from './types';
export {
  gpuGradient, gpuGradientMagnitude, gpuDivergence, gpuCurl, createGradient, defaultGradientContext, releaseDefaultDevice,
  type GpuGradientOptions,
} from './gpu/api';
export {
  GradientContext, type GradientContextOptions, type EncodeOptions, type EncodedGradient, type ContextStats,
} from './gpu/context';
export type { GpuLimits } from './gpu/dispatch';
export { describeAdapter } from './gpu/device';
