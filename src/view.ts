import { type DataInfo, describeData } from './data.js';
import { describe, GradientError } from './errors.js';
import type { NumericArray } from './types.js';

/**
 * Strided ndarray views — scijs `ndarray` ({ data, shape, stride, offset }) and `@stdlib/ndarray`
 * ({ data, shape, strides, offset }), strides and offset in elements, negative strides allowed — read and
 * written in C order of their shape, element by element, without a full-size copy.
 */

/** An ndarray view as the library takes it (scijs `ndarray`, `@stdlib/ndarray`, or a plain object). */
export interface NdarrayLike<A = NumericArray> {
  /** The memory: a typed array or an array of numbers. */
  readonly data: A;
  /** The view's shape, C order. */
  readonly shape: readonly number[];
  /** Elements of `data` between neighbours along each dimension (scijs's name); may be negative. */
  readonly stride?: readonly number[];
  /** The same, by `@stdlib/ndarray`'s name. */
  readonly strides?: readonly number[];
  /** Index in `data` of the view's first element (default 0). */
  readonly offset?: number;
}

/** A checked view: every element it addresses lies inside `data`. */
export interface StridedView<A = NumericArray> {
  readonly data: A;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/** Whether a value is an ndarray-like object rather than a flat array. */
export function isNdarrayLike(value: unknown): value is NdarrayLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !ArrayBuffer.isView(value) &&
    !Array.isArray(value) &&
    'data' in value &&
    'shape' in value
  );
}

/**
 * Checks an ndarray-like object: its shape, strides (one per dimension, integers) and offset, and that
 * every element it addresses lies inside its data. `where` names it in messages ('data', 'components[1]', 'out[0]').
 */
export function checkView<A>(value: NdarrayLike<A>, where: string, checkData: (data: unknown) => number): StridedView<A> {
  // Loops, not forEach, some and reduce with closures: every call on a view passes here (0.4 KB a call
  // with them; bench/NOTES.md, twelfth session).
  const { shape } = value;
  if (!Array.isArray(shape))
    throw new GradientError('invalid-shape', `${where}.shape: ${describe(shape)} must be an array of non-negative integers`);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new GradientError('invalid-shape', `${where}.shape[${d}]: ${describe(n)} is not a non-negative integer`);
    }
  }
  const length = checkData(value.data);
  if (value.stride !== undefined && value.strides !== undefined && describe(value.stride) !== describe(value.strides)) {
    throw new GradientError('invalid-shape', `${where}: stride ${describe(value.stride)} and strides ${describe(value.strides)} disagree`);
  }
  const given = value.strides ?? value.stride;
  const strides = given === undefined ? contiguousStrides(shape) : Array.from(given as ArrayLike<unknown>);
  let integers = strides.length === shape.length;
  for (let d = 0; d < strides.length && integers; d++) integers = typeof strides[d] === 'number' && Number.isInteger(strides[d]);
  if (!integers) {
    throw new GradientError(
      'invalid-shape',
      `${where}.strides: ${describe(given)} must hold one integer per dimension of the shape ${describe(shape)}`,
    );
  }
  const offset = value.offset ?? 0;
  if (typeof offset !== 'number' || !Number.isInteger(offset)) {
    throw new GradientError('invalid-shape', `${where}.offset: ${describe(offset)} must be an integer`);
  }
  let size = 1;
  for (let d = 0; d < shape.length; d++) size *= shape[d];
  if (size > 0) {
    let lo = offset,
      hi = offset;
    for (let d = 0; d < shape.length; d++) {
      const reach = (shape[d] - 1) * (strides[d] as number);
      if (reach < 0) lo += reach;
      else hi += reach;
    }
    if (lo < 0 || hi >= length) {
      throw new GradientError(
        'invalid-shape',
        `${where}: shape ${describe(shape)}, strides ${describe(strides)} and offset ${offset} address elements ${lo} to ${hi}, outside its data of length ${length}`,
      );
    }
  }
  return { data: value.data, shape: shape.slice(), strides: strides as number[], offset, size };
}

/** A data argument's view, or null for a flat array. Throws for a bad view or bad data. */
export function dataView(value: unknown, where = 'data'): StridedView | null {
  return isNdarrayLike(value) ? checkedView(value as NdarrayLike<NumericArray>, where) : null;
}

/**
 * Apart from dataView: a closure there over `where` made its context at every call, flat arrays' included
 * (closure contexts are made when a function is entered; bench/NOTES.md, tenth session).
 */
function checkedView(value: NdarrayLike<NumericArray>, where: string): StridedView {
  return checkView(value, where, (d) => describeDataAt(d, `${where}.data`).length);
}

/** describeData with the argument named in its messages. */
export function describeDataAt(data: unknown, where: string): DataInfo {
  try {
    return describeData(data);
  } catch (e) {
    throw new GradientError('invalid-data', (e as Error).message.replace(/^data/, where));
  }
}

/** What a data argument holds, flat array or view: its info (with the view's shape) and the view. */
export function describeInput(value: unknown, where = 'data'): { info: DataInfo; view: StridedView | null } {
  const view = dataView(value, where);
  if (view === null) return { info: describeDataAt(value, where), view: null };
  return { info: { length: view.size, kind: describeData(view.data).kind, shape: view.shape }, view };
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** Whether the view's elements lie in C order one after another (dimensions of length 1 aside). */
export function isContiguous(view: StridedView<unknown>): boolean {
  const c = contiguousStrides(view.shape);
  return view.shape.every((n, d) => n === 1 || view.strides[d] === c[d]);
}

/**
 * The flat array of a contiguous view without copying (a typed array's subarray through its own memory;
 * a plain array only when the view covers it exactly), or null when a flat array would need a copy.
 */
export function flatOf(view: StridedView): NumericArray | null {
  if (!isContiguous(view)) return null;
  const data = view.data;
  if ((data as ArrayLike<number>).length === view.size && view.offset === 0) return data;
  if (!ArrayBuffer.isView(data)) return null;
  const typed = data as unknown as { buffer: ArrayBufferLike; byteOffset: number; BYTES_PER_ELEMENT: number };
  const Ctor = (data as unknown as { constructor: new (b: ArrayBufferLike, o: number, n: number) => NumericArray }).constructor;
  return new Ctor(typed.buffer, typed.byteOffset + view.offset * typed.BYTES_PER_ELEMENT, view.size);
}

/**
 * Calls fn(address, t) for the C-order elements [start, end) of a view: `address` indexes its data, `t`
 * counts from 0. An odometer over the shape: the last dimension in a tight loop.
 */
export function forEachAddress(view: StridedView<unknown>, start: number, end: number, fn: (address: number, t: number) => void): void {
  const { shape, strides } = view;
  const rank = shape.length;
  if (end <= start) return;
  if (rank === 0) {
    fn(view.offset, 0);
    return;
  }
  const index = new Array<number>(rank).fill(0);
  let rest = start;
  let address = view.offset;
  for (let d = rank - 1; d >= 0; d--) {
    index[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
    address += index[d] * strides[d];
  }
  const last = shape[rank - 1],
    step = strides[rank - 1];
  let t = 0;
  const count = end - start;
  while (t < count) {
    const run = Math.min(last - index[rank - 1], count - t);
    for (let r = 0; r < run; r++) fn(address + r * step, t + r);
    t += run;
    address += run * step;
    index[rank - 1] += run;
    // Carry into the outer dimensions.
    for (let d = rank - 1; d > 0 && index[d] === shape[d]; d--) {
      address -= shape[d] * strides[d];
      index[d] = 0;
      index[d - 1]++;
      address += strides[d - 1];
    }
  }
}

/**
 * Copies the C-order elements [start, end) of a view into `flat` (from index 0), or (`toView`) from
 * `flat` into the view. Whole rows (of the last dimension) go four at a time, each step reading (or
 * writing) four elements of one column: a transposed view is then read four neighbours at a time
 * instead of one element a row's length apart. Measured on the 2-core VM, Node 20, a transposed 4096²
 * float32 view: 169 ms element by element through a callback, 128 ms in 64×64 tiles, 52 ms for this
 * loop alone four rows at a time (a memcpy of the same bytes: 6 ms; bench/NOTES.md, views).
 */
export function copyRange(
  view: StridedView<unknown>,
  start: number,
  end: number,
  flat: { [index: number]: number },
  toView: boolean,
  source: { [index: number]: number } = view.data as { [index: number]: number },
): void {
  if (end <= start) return;
  const rank = view.shape.length;
  const one = toView
    ? (address: number, t: number) => {
        source[address] = flat[t];
      }
    : (address: number, t: number) => {
        flat[t] = source[address];
      };
  const L = rank === 0 ? 1 : view.shape[rank - 1];
  const firstRow = Math.ceil(start / L),
    lastRow = Math.floor(end / L);
  if (rank < 2 || firstRow >= lastRow) {
    forEachAddress(view, start, end, one);
    return;
  }
  // A partial first row, then whole rows four at a time, then what is left.
  forEachAddress(view, start, firstRow * L, one);
  const sL = view.strides[rank - 1];
  const at = firstRow * L - start; // flat index of row firstRow's first element
  let r = firstRow;
  for (; r + 4 <= lastRow; r += 4) {
    const a0 = elementAddress(view, r * L),
      a1 = elementAddress(view, (r + 1) * L),
      a2 = elementAddress(view, (r + 2) * L),
      a3 = elementAddress(view, (r + 3) * L);
    const t0 = at + (r - firstRow) * L;
    if (toView) {
      for (let j = 0, c = 0; j < L; j++, c += sL) {
        source[a0 + c] = flat[t0 + j];
        source[a1 + c] = flat[t0 + L + j];
        source[a2 + c] = flat[t0 + 2 * L + j];
        source[a3 + c] = flat[t0 + 3 * L + j];
      }
    } else {
      for (let j = 0, c = 0; j < L; j++, c += sL) {
        flat[t0 + j] = source[a0 + c];
        flat[t0 + L + j] = source[a1 + c];
        flat[t0 + 2 * L + j] = source[a2 + c];
        flat[t0 + 3 * L + j] = source[a3 + c];
      }
    }
  }
  forEachAddress(view, r * L, end, (address, t) => one(address, t + r * L - start));
}

/** Address in a view's data of its C-order element e. */
export function elementAddress(view: StridedView<unknown>, e: number): number {
  let address = view.offset;
  for (let d = view.shape.length - 1; d >= 0; d--) {
    const n = view.shape[d];
    address += (e % n) * view.strides[d];
    e = Math.floor(e / n);
  }
  return address;
}
