/** Facts about typed arrays that hold across realms and subclasses, for checks and messages. */

/**
 * %TypedArray%.prototype[Symbol.toStringTag]: the element type a typed array was made with, read from its
 * internal slot. It answers for arrays of any realm (node:vm, an iframe) and for subclasses alike, and
 * gives undefined for anything else (a DataView, a plain object claiming a tag), so it cannot be spoofed.
 */
const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int8Array.prototype), Symbol.toStringTag)!.get as (
  this: unknown,
) => string | undefined;

/** The element type's name of a typed array of any realm or subclass ('Float32Array', …), or undefined for anything else. */
export function typedArrayName(value: unknown): string | undefined {
  return ArrayBuffer.isView(value) ? typedArrayTag.call(value) : undefined;
}

/** Whether a view's memory is a SharedArrayBuffer (of any realm; WebAssembly threads' memory too). */
export function isShared(view: ArrayBufferView): boolean {
  // This realm's ArrayBuffer first: the tag is a string made per call (every host call asks; bench/NOTES.md, garbage per call).
  const { buffer } = view;
  return !(buffer instanceof ArrayBuffer) && Object.prototype.toString.call(buffer) === '[object SharedArrayBuffer]';
}

/** Whether a view's memory was detached (transferred away, e.g. by postMessage or structuredClone): it then reads as empty. */
export function isDetached(view: ArrayBufferView): boolean {
  // A typed array with bytes is not detached (one that is reads 0 bytes long), decided without reading its
  // buffer: every host call asks of each output twice, and 1,000 concurrent 64² calls with `out` took
  // 0.93–0.95× the host CPU (bench/NOTES.md, twelfth session). A DataView would throw, so only typed arrays.
  if (typedArrayTag.call(view) !== undefined && view.byteLength !== 0) return false;
  const detached = (view.buffer as ArrayBuffer & { detached?: boolean }).detached;
  // `detached` is ES2024 (Node 20 lacks it); before it, a detached buffer reads as 0 bytes long, as an empty one does.
  return typeof detached === 'boolean' ? detached : view.buffer.byteLength === 0 && !isShared(view);
}

/** A typed array constructor of this realm, as the library uses them: from a length, a buffer window or another array. */
export type OwnTypedArray = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayLike<number>;
  new (from: ArrayLike<number>): ArrayLike<number>;
};

const OWN: Readonly<Record<string, OwnTypedArray | undefined>> = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Float16Array: (globalThis as { Float16Array?: OwnTypedArray }).Float16Array,
};

/**
 * This realm's constructor for an element type's name (typedArrayName): a caller's array of another realm
 * or a subclass is copied or viewed through it, so that none of the caller's own code runs.
 */
export function ownConstructor(name: string): OwnTypedArray {
  const Ctor = OWN[name];
  if (!Ctor) throw new Error(`no ${name} in this runtime`);
  return Ctor;
}
