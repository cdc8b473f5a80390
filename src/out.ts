import { describe, GradientError } from './errors.js';
import { typedArrayName } from './typed.js';
import type { HalfArray, NumericArray } from './types.js';
import { checkView, flatOf, isNdarrayLike, type NdarrayLike, type StridedView } from './view.js';

/**
 * Checks caller-supplied output arrays (`out`): exactly `count` arrays of `Ctor`'s element type (of any
 * realm, subclasses too) and `length` elements, none overlapping another or an input (a streamed GPU
 * call reads its input while earlier pieces' results are written). Returns them typed; throws
 * `invalid-option` naming the entry.
 */
function checkOut<T extends Float64Array | Float32Array | HalfArray>(
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
  for (let k = 0; k < count; k++) {
    const o = out[k];
    if (typedArrayName(o) !== Ctor.name || o.length !== length) {
      throw new GradientError('invalid-option', `out[${k}]: ${describe(o)} must be a ${Ctor.name} of length ${length}`);
    }
  }
  checkOverlaps(out, inputs);
  return out as T[];
}

/**
 * Refuses an output whose memory overlaps an input's or another output's. Loops, not some/forEach with
 * closures: every call with `out` passes here (bench/NOTES.md, garbage per call).
 */
function checkOverlaps(memory: readonly ArrayBufferView[], inputs: readonly NumericArray[]): void {
  for (let k = 0; k < memory.length; k++) {
    const o = memory[k];
    let overlaps = false;
    for (let i = 0; i < inputs.length; i++) {
      const d = inputs[i];
      overlaps ||= ArrayBuffer.isView(d) && shares(o, d);
    }
    for (let j = 0; j < memory.length; j++) overlaps ||= j !== k && shares(o, memory[j]);
    if (overlaps) throw new GradientError('invalid-option', `out[${k}]: overlaps the data or another output`);
  }
}

function shares(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * `out` that may hold ndarray views as well as flat arrays: each entry a `Ctor` of `length` elements, or
 * a view of that many elements (its shape's product) over a `Ctor`. A contiguous view is used as its flat
 * array (no copy); a strided one is written through its strides. `inputs` are the memory of the inputs.
 */
export function checkOutTargets<T extends Float64Array | Float32Array | HalfArray>(
  out: unknown,
  Ctor: { new (n: number): T; name: string },
  count: number,
  length: number,
  inputs: readonly NumericArray[],
  what: string,
): OutTarget<T>[] {
  // The call's own array of the caller's flat arrays: one copy, no object an entry (0.14 KB a call before;
  // bench/NOTES.md, eleventh session). The caller may change its `out` list once the call has returned.
  if (!Array.isArray(out) || !out.some(isNdarrayLike)) return checkOut(out, Ctor, count, length, inputs, what).slice();
  if (out.length !== count) {
    throw new GradientError('invalid-option', `out: ${describe(out)} must be an array of ${count} ${Ctor.name} or views of them (${what})`);
  }
  const targets: OutTarget<T>[] = new Array(count);
  for (let k = 0; k < count; k++) targets[k] = outTarget(out[k], k, Ctor, length);
  // The memory each entry writes, checked as flat arrays are (overlaps refused conservatively: a view's whole data).
  checkOverlaps(targets.map(outMemory) as ArrayBufferView[], inputs);
  return targets;
}

/**
 * Entry `k` of an `out` that holds views. Apart from checkOutTargets: a closure there over its arguments
 * would make their context at every call, flat arrays' included (bench/NOTES.md, tenth session).
 */
function outTarget<T extends Float64Array | Float32Array | HalfArray>(
  o: unknown,
  k: number,
  Ctor: { new (n: number): T; name: string },
  length: number,
): OutTarget<T> {
  if (!isNdarrayLike(o)) {
    if (typedArrayName(o) !== Ctor.name || (o as T).length !== length) {
      throw new GradientError(
        'invalid-option',
        `out[${k}]: ${describe(o)} must be a ${Ctor.name} of length ${length}, or a view of ${length} elements`,
      );
    }
    return o as T;
  }
  const view = checkView(o as NdarrayLike<T>, `out[${k}]`, (d) => {
    if (typedArrayName(d) !== Ctor.name) throw new GradientError('invalid-option', `out[${k}].data: ${describe(d)} must be a ${Ctor.name}`);
    return (d as T).length;
  });
  if (view.size !== length) {
    throw new GradientError(
      'invalid-option',
      `out[${k}]: a view of ${view.size} elements (shape ${describe(view.shape)}) where ${length} are written`,
    );
  }
  const flat = flatOf(view as unknown as StridedView<NumericArray>) as T | null;
  return flat ?? view;
}

/**
 * An `out` entry: a flat array written directly (a contiguous view's array), or a strided view written
 * through its strides.
 */
export type OutTarget<T> = T | StridedView<T>;

/** The memory an `out` entry writes: the flat array, or a view's data. */
export function outMemory<T>(target: OutTarget<T>): T {
  return ArrayBuffer.isView(target) ? target : (target as StridedView<T>).data;
}
