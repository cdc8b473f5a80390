import { describe, GradientError } from './errors.js';
import { typedArrayName } from './typed.js';
import type { DataKind, HalfArray } from './types.js';

export interface DataInfo {
  readonly length: number;
  readonly kind: DataKind;
  /** The shape of an ndarray view (src/view.ts); undefined for a flat array, whose shape is an option. */
  readonly shape?: readonly number[];
}

/** The runtime's Float16Array, where it has one (Chromium, Firefox, Deno, Bun; not Node 20). */
export function float16ArrayConstructor(): { new (length: number): HalfArray; name: string } | undefined {
  return (globalThis as { Float16Array?: { new (length: number): HalfArray; name: string } }).Float16Array;
}

const KIND_BY_TAG: Readonly<Record<string, DataKind>> = {
  Float16Array: 'float16',
  Float64Array: 'float64',
  Float32Array: 'float32',
  Int8Array: 'int8',
  Uint8Array: 'uint8',
  Uint8ClampedArray: 'uint8',
  Int16Array: 'int16',
  Uint16Array: 'uint16',
  Int32Array: 'int32',
  Uint32Array: 'uint32',
};

/** Checks that `data` is a supported numeric array and says what it holds. Throws `invalid-data`. */
export function describeData(data: unknown): DataInfo {
  if (ArrayBuffer.isView(data)) {
    const name = typedArrayName(data);
    const kind = name === undefined ? undefined : KIND_BY_TAG[name];
    if (!kind) {
      throw new GradientError(
        'invalid-data',
        `data: ${describe(data)} is not supported; use a Float64Array, Float32Array, Float16Array, an 8/16/32-bit integer typed array or an array of numbers`,
      );
    }
    return { length: (data as unknown as ArrayLike<number>).length, kind };
  }
  if (Array.isArray(data)) {
    // A hole reads as undefined, so this also refuses sparse arrays.
    for (let i = 0; i < data.length; i++) {
      if (typeof data[i] !== 'number') {
        throw new GradientError(
          'invalid-data',
          `data[${i}]: ${describe(data[i])} is not a number (arrays must hold only numbers, with no holes)`,
        );
      }
    }
    return { length: data.length, kind: 'float64' };
  }
  throw new GradientError(
    'invalid-data',
    `data: ${describe(data)} is not a supported array; pass a typed array (Float64Array, Float32Array, Float16Array, Int8/16/32, Uint8/16/32, Uint8Clamped) or an array of numbers`,
  );
}
