export type { DerivedField } from './components.js';
export {
  type CpuAdjointOptions,
  type CpuDerivativeOptions,
  cpuDerivatives,
  cpuGradientAdjoint,
  cpuHessian,
} from './cpu/derivatives.js';
export { type CpuFieldOptions, cpuCurl, cpuDivergence, cpuGradientMagnitude, cpuLaplacian } from './cpu/derived.js';
export { type CpuGradientOptions, cpuGradient } from './cpu/gradient.js';
export { cpuImageGradient } from './cpu/image.js';
export { type CpuWorkerStats, type CpuWorkers, type CpuWorkersOptions, cpuWorkers } from './cpu/workers.js';
export type { AdjointOptions, DerivativeOptions } from './derivatives.js';
export { GradientError, type GradientErrorCode } from './errors.js';
export {
  createGradient,
  defaultGradient,
  destroyDefaultGradient,
  type GpuGradientOptions,
  gpuCurl,
  gpuDerivatives,
  gpuDivergence,
  gpuGradient,
  gpuGradientAdjoint,
  gpuGradientMagnitude,
  gpuHessian,
  gpuImageGradient,
  gpuLaplacian,
} from './gpu/api.js';
export type { OutputLayout, PrepareOptions } from './gpu/arguments.js';
export {
  type ContextStats,
  type FloatResults,
  GradientContext,
  type HostCallOptions,
  type KeptWorkStats,
  type ResultOf,
} from './gpu/context.js';
export { describeAdapter } from './gpu/device.js';
export type { ImageSource } from './gpu/image.js';
export {
  type FrameSource,
  type ImageKernelDraw,
  type ImageKernelOutputs,
  PreparedImageKernel,
  type PrepareImageOptions,
} from './gpu/image-kernel.js';
export type { GradientContextOptions } from './gpu/options.js';
export type { PoolStats } from './gpu/pool.js';
export { type KernelBinding, type KernelBuffers, PreparedKernel } from './gpu/prepared.js';
export type { GpuLimits } from './gpu/steps.js';
export {
  type DerivativesLayout,
  type GpuAdjointOptions,
  type GpuDerivativeOptions,
  type GpuProgramOut,
  type PrepareDerivativesOptions,
  PreparedDerivatives,
} from './gpu/table.js';
export type { TransferStats } from './gpu/transfer.js';
export { type PrepareCoordinatesOptions, type PreparedCoordinates, prepareCoordinates } from './grid.js';
export type { ImageBytes, ImageChannel, ImageGradientOptions, ImagePixels } from './image.js';
export type {
  BoundaryMode,
  DataKind,
  Float16ArrayShape,
  GradientOptions,
  HalfArray,
  NumericArray,
  OutputType,
  SphereOptions,
} from './types.js';
export type { NdarrayLike } from './view.js';
