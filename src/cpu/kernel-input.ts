import { isView, type Values } from './lines.js';

/**
 * What the CPU reference's loops read: the caller's array as it is while few element types have reached
 * them, else a float64 copy. A loop that reads arrays of more than four element types (more than four
 * array maps) is left with a megamorphic load at every element by V8: after 64² calls on Float32Array,
 * Int16Array, Uint8Array and Int32Array data, a Float64Array call took 154 µs instead of 19–24, and a 2048²
 * one 178 ms instead of 11.6 (bench/cpu-kinds.mjs, bench/NOTES.md, twelfth session). So the first element
 * types seen (Float64Array among them) are read as given, and every later one, plain arrays (whose maps vary
 * with their elements) and arrays of other realms or subclasses (maps of their own) are copied into a
 * float64 scratch first: a copy costs what TypedArray.set does (1.6–2.0 ms for 2048² here), and the values
 * are the same doubles, so the results are bitwise those of the array as given.
 */

/** Array maps one load site keeps fast in V8 (its polymorphic inline cache). */
const MAPS = 4;

/** Constructors whose arrays the loops read as given: Float64Array always, then the first others seen. */
const asGiven = new Set<unknown>([Float64Array]);

/** Elements of a scratch kept for the next call (16 MiB); a larger copy is made for its call alone. */
const KEEP = 2 ** 21;

/**
 * Elements of a shared copy a cpuWorkers pool keeps (32 MiB: a 2048² float64 array), more than KEEP: the
 * pool splits calls from 131072 elements, and here copying 2048² Int16Array data into a fresh shared
 * buffer took 15–21 ms against 2.5–3.6 ms into a kept one, where the two-thread call itself takes 5.5 ms
 * (bench/NOTES.md, thirteenth session).
 */
const KEEP_SHARED = 2 ** 22;

/** Scratch arrays, one per input of a call (components, an adjoint's inputs), kept up to KEEP elements. */
const scratch: Float64Array[] = [];

/**
 * `values` as the loops read it (`slot`: which input of the call, 0 for the data; a call's inputs take
 * different slots). A view is read through its strides elsewhere and is returned as it is. What is returned
 * is valid until the next call with the same slot.
 */
export function kernelInput(values: Values, slot = 0): Values {
  if (isView(values) || readsAsGiven(values)) return values;
  const n = values.length;
  let into = scratch[slot];
  if (!into || into.length < n) {
    into = new Float64Array(n);
    if (n <= KEEP) scratch[slot] = into;
  }
  const copy = into.length === n ? into : into.subarray(0, n);
  copy.set(values as ArrayLike<number>);
  return copy;
}

/** Whether the loops read `values` (not a view) as given: the rule above, a new element type taken while there is room. */
export function readsAsGiven(values: Values): boolean {
  if (Array.isArray(values)) return false;
  const kind = (values as object).constructor;
  if (asGiven.has(kind)) return true;
  if (asGiven.size >= MAPS) return false;
  asGiven.add(kind);
  return true;
}

/**
 * Float64 copies in shared memory, for a call that threads split (cpu/workers.ts): every thread's loops
 * read what the calling thread gives them, so data of an element type past the first four is copied once
 * there, before the split, and a worker's loops see no more types than the calling thread's. One copy is
 * kept for the pool's next call (up to KEEP_SHARED elements); calls at the same time take copies of their own.
 */
export class SharedCopies {
  private idle: Float64Array | null = null;

  /** `values` as the split call's loops read it: as given, or a shared float64 copy that `done` hands back. */
  input(values: Values): Values {
    if (isView(values) || readsAsGiven(values)) return values;
    const n = values.length;
    let into = this.idle;
    if (into !== null && into.length >= n) this.idle = null;
    else into = new Float64Array(new SharedArrayBuffer(n * Float64Array.BYTES_PER_ELEMENT));
    const copy = into.length === n ? into : into.subarray(0, n);
    copy.set(values as ArrayLike<number>);
    return copy;
  }

  /** The call that read `read` (what `input` returned for `given`) has ended: its copy may be kept. */
  done(given: Values, read: Values): void {
    if (read === given) return;
    const whole = new Float64Array((read as Float64Array).buffer);
    if (whole.length <= KEEP_SHARED && (this.idle === null || this.idle.length < whole.length)) this.idle = whole;
  }

  /** Lets the kept copy go (the pool was destroyed). */
  clear(): void {
    this.idle = null;
  }
}

/** Each of a call's inputs as the loops read it, input k in slot k. */
export function kernelInputs(values: readonly Values[]): Values[] {
  const read: Values[] = new Array(values.length);
  for (let k = 0; k < values.length; k++) read[k] = kernelInput(values[k], k);
  return read;
}
