import { describeComponents } from '../components.js';
import type { DataInfo } from '../data.js';
import { checkOutTargets } from '../out.js';
import type { NumericArray } from '../types.js';
import { copyRange, describeInput, flatOf, type StridedView } from '../view.js';
import type { Values } from './lines.js';

/**
 * The CPU reference's data and `out` arguments, flat arrays or ndarray views: a contiguous view is read as
 * its flat array (no copy), a strided one through its strides, line by line (lines.ts).
 */

/** A data argument: what it holds, the values the reference reads, and its memory (for out's overlap check). */
export function cpuInput(data: unknown, where = 'data'): { info: DataInfo; values: Values; memory: NumericArray } {
  const { info, view } = describeInput(data, where);
  if (view === null) return { info, values: data as NumericArray, memory: data as NumericArray };
  // A contiguous view is its flat array; others (plain arrays covered in part too) are read through the view.
  return { info, values: flatOf(view) ?? view, memory: view.data };
}

/**
 * Components of a field (divergence, curl, an adjoint's), flat or views: their info, the values the
 * reference reads, and the memory each reads (a flat array, or a view's data; for `out`'s overlap check).
 */
export function cpuComponents(components: unknown): { info: DataInfo; values: Values[]; memory: NumericArray[] } {
  const { list, info, views } = describeComponents(components);
  return {
    info,
    values: list.map((c, k) => (views[k] ? (flatOf(views[k]) ?? views[k]) : c)),
    memory: list.map((c, k) => (views[k] ? views[k].data : c)),
  };
}

/**
 * `out` of a CPU call: the Float64Arrays to compute into (a strided view's results go through a scratch
 * array of its length, scattered by `finish`), and `finish`, which returns the arrays the caller gets —
 * fresh results, `out` itself, or a view's data.
 */
export function cpuOut(
  out: unknown,
  count: number,
  size: number,
  inputs: readonly NumericArray[],
  what: string,
): { arrays: Float64Array[]; finish(): Float64Array[] } {
  if (out === undefined) {
    const arrays = Array.from({ length: count }, () => new Float64Array(size));
    return { arrays, finish: () => arrays };
  }
  const targets = checkOutTargets(out, Float64Array, count, size, inputs, what);
  const arrays = targets.map((t) => (ArrayBuffer.isView(t) ? t : new Float64Array(size)));
  return {
    arrays,
    finish: () =>
      targets.map((t, k) => {
        if (ArrayBuffer.isView(t)) return t;
        copyRange(t, 0, size, arrays[k], true);
        return t.data;
      }),
  };
}

/** A view's elements in C order, as float64 (copyRange, four rows at a time). */
export function gathered(view: StridedView, size: number): Float64Array {
  const out = new Float64Array(size);
  copyRange(view, 0, size, out, false);
  return out;
}
