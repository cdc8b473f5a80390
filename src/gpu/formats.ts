import type { DataKind, OutputType } from '../types.js';

/** How arrays sit in GPU memory: each input kind's element width and conversion to f32, and the width of a result. */

/** How the input sits in GPU memory: its element width and the conversion to f32. */
export interface InputFormat {
  readonly bytesPerElement: 1 | 2 | 4;
  readonly module: 'load_8' | 'load_16' | 'load_32';
  readonly constants: Record<string, number>;
}

const FORMATS: Record<DataKind, InputFormat> = {
  float64: { bytesPerElement: 4, module: 'load_32', constants: { KIND: 0 } }, // converted to f32 on the host
  float32: { bytesPerElement: 4, module: 'load_32', constants: { KIND: 0 } },
  int32: { bytesPerElement: 4, module: 'load_32', constants: { KIND: 1 } },
  uint32: { bytesPerElement: 4, module: 'load_32', constants: { KIND: 2 } },
  float16: { bytesPerElement: 2, module: 'load_16', constants: { SIGNED: 0, FLOAT16: 1 } },
  int16: { bytesPerElement: 2, module: 'load_16', constants: { SIGNED: 1, FLOAT16: 0 } },
  uint16: { bytesPerElement: 2, module: 'load_16', constants: { SIGNED: 0, FLOAT16: 0 } },
  int8: { bytesPerElement: 1, module: 'load_8', constants: { SIGNED: 1 } },
  uint8: { bytesPerElement: 1, module: 'load_8', constants: { SIGNED: 0 } },
};

export function inputFormat(kind: DataKind): InputFormat {
  return FORMATS[kind];
}

/** Element types `encode` accepts in a GPU buffer: every format but float64 (converted only on upload). */
export const GPU_DTYPES = (Object.keys(FORMATS) as DataKind[]).filter((kind) => kind !== 'float64');

/** Bytes of one result element in GPU memory. */
export function outputBytes(type: OutputType): 2 | 4 {
  return type === 'float16' ? 2 : 4;
}
