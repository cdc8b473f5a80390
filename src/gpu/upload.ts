import { GradientError } from '../errors.js';
import { isDetached, isShared, ownConstructor, typedArrayName } from '../typed.js';
import type { DataKind, NumericArray } from '../types.js';
import { copyRange, type StridedView } from '../view.js';
import type { InputArena } from './arena.js';

/**
 * What a job's input is and how its bytes reach the GPU: a window of the caller's arrays (written when
 * the call is made for one-piece calls, `TakenInput`, or when its group is recorded for the pieces of a
 * streamed call, `JobInput`), or values the GPU makes itself (`GpuJobInput`, images).
 */

/**
 * Inputs up to this size go up with queue.writeBuffer: through Dawn in Node on SwiftShader writeBuffer was
 * the faster up to 4 MiB and a pre-mapped staging buffer from 16 MiB on (bench/NOTES.md, host path, the
 * sizes from 256 KiB to 64 MiB). The crossing has not been measured on a GPU.
 */
export const WRITE_BUFFER_MAX = 4 * 2 ** 20;

/**
 * The upload path: whether an input of `bytes` goes up through a staging buffer rather than
 * queue.writeBuffer — above WRITE_BUFFER_MAX, except where maps wait for a poll (Firefox), whose
 * staging buffers would wait for it too.
 */
export function throughStaging(bytes: number, pollingMaps: boolean): boolean {
  return !pollingMaps && bytes > WRITE_BUFFER_MAX;
}

/**
 * An input read element by element while its bytes are written (into staging or the scratch that
 * writeBuffer copies), never through a full-size copy: a strided ndarray view, and/or an array whose
 * masked points go up as NaN (`invalid: 'skip'` with a `mask`). Elements are in C order of the view's shape.
 */
export interface GatheredInput {
  readonly gathered: true;
  /** The memory read (a flat array, or the view's data), for the detached check and `out`'s overlap check. */
  readonly memory: NumericArray;
  /** Writes elements [start, end) into `into` (the GPU element format of the job's kind). */
  read(start: number, end: number, into: { [index: number]: number }): void;
}

/** A component of a job's input: the caller's flat array, or one gathered as it goes up. */
export type InputArray = NumericArray | GatheredInput;

export function isGathered(array: InputArray): array is GatheredInput {
  return (array as GatheredInput).gathered === true;
}

/**
 * A gathered input: `view` read through its strides (or `flat`), with the points whose `mask` entry is
 * 0/false as NaN (the kind is then float32). A float16 view without a mask goes up as its halves' bits.
 */
export function gatheredInput(
  flat: NumericArray | null,
  view: StridedView | null,
  mask: ArrayLike<unknown> | null,
  kind: DataKind,
): GatheredInput {
  const memory = view ? view.data : flat!;
  // A Float16Array's halves are copied as bits (Uint16Array over its memory); any other array by value.
  const source: ArrayLike<number> =
    kind === 'float16' && ArrayBuffer.isView(memory)
      ? (windowOf(memory, kind, 0, (memory as ArrayLike<number>).length) as ArrayLike<number>)
      : (memory as ArrayLike<number>);
  return {
    gathered: true,
    memory,
    read(start, end, into) {
      if (view) copyRange(view, start, end, into, false, source);
      else for (let e = start; e < end; e++) into[e - start] = source[e];
      if (mask) for (let e = start; e < end; e++) if (!mask[e]) into[e - start] = Number.NaN;
    },
  };
}

/** A gathered input read whole into a flat array of its GPU element format, which `kind` then describes (a call's copy while it waits for its device). */
export function gatheredCopy(input: GatheredInput, kind: DataKind, length: number): NumericArray {
  const copy = new VIEW_OF[kind](new ArrayBuffer(length * VIEW_OF[kind].BYTES_PER_ELEMENT), 0, length);
  input.read(0, length, copy);
  return copy as NumericArray;
}

/** Where a job's input comes from: elements [start, end) of each component array, `stride` apart on the GPU. */
export interface JobInput {
  readonly arrays: readonly InputArray[];
  readonly kind: DataKind;
  readonly bytesPerElement: number;
  readonly start: number;
  readonly end: number;
  /** Elements between components in the GPU input buffer (a multiple of 16: mapped ranges start at multiples of 8 bytes). */
  readonly stride: number;
}

/**
 * A job's input made on the GPU instead of uploaded (an image's values converted from a texture): `record`
 * writes `bytes` bytes into `input` and returns the temporary buffers it used.
 */
export interface GpuJobInput {
  readonly bytes: number;
  /** The error scopes around what it took when its call was made (a view's span or an image's bytes, span.ts), or undefined. */
  readonly errors?: Promise<Error | null>;
  record(encoder: GPUCommandEncoder, input: GPUBuffer): readonly GPUBuffer[];
}

/**
 * A job's input already taken from the caller's arrays, when the call was made: its bytes are in `buffer`
 * from byte `offset` on (written with queue.writeBuffer into the turn's arena, arena.ts), or in the
 * mapped staging buffer `staging`, to be copied into `buffer` (its own, offset 0) by the job's commands.
 * The job owns its place in the arena, or both buffers, until it ends.
 */
export interface TakenInput {
  readonly taken: true;
  readonly bytes: number;
  readonly buffer: GPUBuffer;
  readonly offset: number;
  /** The arena `buffer` is (inputs written with writeBuffer), or null (staged inputs). */
  readonly arena: InputArena | null;
  /** One of the transfer layer's staging buffers (staging.ts), or null. */
  readonly staging: { readonly buffer: GPUBuffer } | null;
  /** The error scopes around the writes: the first error, or null. */
  readonly errors: Promise<Error | null>;
}

export type AnyJobInput = JobInput | GpuJobInput | TakenInput;

export function isGpuInput(input: AnyJobInput): input is GpuJobInput {
  return typeof (input as GpuJobInput).record === 'function';
}

export function isTaken(input: AnyJobInput): input is TakenInput {
  return (input as TakenInput).taken === true;
}

/** Bytes of a job's input buffer: whole 16-byte words. */
export function inputBytes(input: AnyJobInput): number {
  if (isTaken(input)) return input.bytes;
  if (isGpuInput(input)) return Math.ceil(input.bytes / 16) * 16;
  const { arrays, start, end, stride, bytesPerElement } = input;
  return Math.ceil((((arrays.length - 1) * stride + end - start) * bytesPerElement) / 16) * 16;
}

/**
 * Why a job's arrays can no longer be read, or null: one whose memory was detached (transferred to a
 * worker, or by structuredClone) after the call was made. Only that job fails, with this error.
 */
export function unreadableInput(input: AnyJobInput): GradientError | null {
  if (isTaken(input) || isGpuInput(input)) return null;
  const k = input.arrays.findIndex((a) => {
    const memory = isGathered(a) ? a.memory : a;
    return ArrayBuffer.isView(memory) && isDetached(memory);
  });
  if (k < 0) return null;
  const what = input.arrays.length > 1 ? `components[${k}]` : 'data';
  return new GradientError(
    'invalid-data',
    `${what}: its ArrayBuffer was detached (transferred) while the call was still reading it; a streamed call reads its input until its promise settles`,
  );
}

type View = Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;
type ViewConstructor = { new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): View; BYTES_PER_ELEMENT: number };

/** The GPU element format each kind goes up in. */
const VIEW_OF: Record<DataKind, ViewConstructor> = {
  float64: Float32Array,
  float32: Float32Array,
  float16: Uint16Array, // the halves' bits, as they go to the GPU
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
};

/**
 * Elements [start, end) of `array` as a view of this realm over the same memory (a typed array) or a
 * slice (an array of numbers): a typed array of another realm or a subclass is read through its memory,
 * never through its own methods. Float16Arrays come as the bits of their halves (Uint16Array).
 */
function windowOf(array: NumericArray, kind: DataKind, start: number, end: number): ArrayLike<number> {
  if (!ArrayBuffer.isView(array)) return (array as readonly number[]).slice(start, end);
  const Ctor = ownConstructor(kind === 'float16' ? 'Uint16Array' : typedArrayName(array)!);
  // A whole array of this realm's own type is its own window (most calls: no view made).
  if (start === 0 && end === array.length && array.constructor === Ctor) return array;
  const bytes = kind === 'float16' ? 2 : (array as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return new Ctor(array.buffer, array.byteOffset + start * bytes, end - start);
}

/**
 * Hands `write` the bytes of each component's window in GPU element format, at its byte offset in the
 * input buffer, in runs a multiple of 4 bytes long. Arrays already in that format go as views of their
 * own memory (no copy; a Float16Array as the bits of its halves); float64 and plain arrays, the tail of
 * 8/16-bit windows, and arrays on shared memory are converted or copied through `scratch`. Shared
 * memory is never handed to the engine: Dawn in Node crashed the process on a SharedArrayBuffer view
 * given to queue.writeBuffer (SIGSEGV, webgpu 0.6.2). A gathered input (a view, a mask) is read straight
 * into `direct`'s memory (a staging buffer's mapped range) where it gives one.
 */
export function writeInput(
  input: JobInput,
  write: (byteOffset: number, bytes: ArrayBufferView) => void,
  scratch: (bytes: number) => ArrayBuffer,
  direct?: (byteOffset: number, bytes: number) => ArrayBuffer | null,
): void {
  const { arrays, kind, start, end, stride, bytesPerElement } = input;
  const View = VIEW_OF[kind];
  const count = end - start;
  const padded = Math.ceil(count / 4) * 4; // whole 32-bit words, whatever the element width
  // A loop, not forEach with a closure: every host call writes its input here (bench/NOTES.md, garbage per call).
  for (let c = 0; c < arrays.length; c++) {
    const given = arrays[c];
    const at = c * stride * bytesPerElement;
    if (isGathered(given)) {
      // Straight into the mapped staging buffer where there is one (`direct`), else through scratch.
      const mapped = direct?.(at, padded * bytesPerElement) ?? null;
      const target = new View(mapped ?? scratch(padded * bytesPerElement), 0, padded);
      given.read(start, end, target);
      target.fill(0, count);
      if (!mapped) write(at, target);
      continue;
    }
    const window = windowOf(given, kind, start, end);
    if (window instanceof View && count === padded && !isShared(window)) {
      write(at, window);
      continue;
    }
    const target = new View(scratch(padded * bytesPerElement), 0, padded);
    target.set(window);
    target.fill(0, count);
    write(at, target);
  }
}
