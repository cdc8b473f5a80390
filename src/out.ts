import { describe, GradientError } from './errors.js';
import { typedArrayName } from './typed.js';
import type { HalfArray, NumericArray } from './types.js';

/**
 * Checks caller-supplied output arrays (`out`): exactly `count` arrays of `Ctor`'s element type (of any
 * realm, subclasses too) and `length` elements, none overlapping another or an input (a streamed GPU
 * call reads its input while earlier pieces' results are written). Returns them typed; throws
 * `invalid-option` naming the entry.
 */
export function checkOut<T extends Float64Array | Float32Array | HalfArray>(
  out: unknown,
  Ctor: { new (n: number): T; name: string },
  count: number,
  length: number,
  inputs: readonly NumericArray[],
  what: string,
): T[] {
  if (!Array.isArray(out) || out.length !== count) {
    throw new GradientError('invalid-option', `out: ${describe(out)} must be an array of ${count} ${Ctor.name} (${what})`);
  }
  const shares = (a: ArrayBufferView, b: ArrayBufferView) =>
    a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
  out.forEach((o, k) => {
    if (typedArrayName(o) !== Ctor.name || o.length !== length) {
      throw new GradientError('invalid-option', `out[${k}]: ${describe(o)} must be a ${Ctor.name} of length ${length}`);
    }
    if (inputs.some((d) => ArrayBuffer.isView(d) && shares(o, d)) || out.some((p, j) => j !== k && shares(o, p))) {
      throw new GradientError('invalid-option', `out[${k}]: overlaps the data or another output`);
    }
  });
  return out as T[];
}
