export { cpuGradient } from './cpu';
export { GradientError, type GradientErrorCode } from './errors';
export type { DataKind, GradientOptions, NumericArray } from './types';
