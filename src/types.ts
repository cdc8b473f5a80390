/** Public argument types, shared by the CPU reference and the GPU path. */
export type NumericArray =
  | Float64Array | Float32Array | Int8Array | Uint8Array | Uint8ClampedArray
  | Int16Array | Uint16Array | Int32Array | Uint32Array | readonly number[];

export interface GradientOptions {
  /** Array shape in C order; default `[data.length]`. The product must equal `data.length`. */
  shape?: readonly number[];
  /**
   * A number: one step for every selected axis. An array: exactly one entry per selected axis, each a
   * scalar step or that axis's coordinates (length = the axis length). Mixing is allowed.
   */
  spacing?: number | readonly (number | ArrayLike<number>)[];
  /** Axes to differentiate; default all, in order. Negative values count from the end. */
  axis?: number | readonly number[];
  /** Accuracy order of the one-sided differences at the edges; default 1. */
  edgeOrder?: 1 | 2;
}

/** Element type of the input as the library sees it (Uint8ClampedArray reads as uint8). */
export type DataKind = 'float64' | 'float32' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32';
