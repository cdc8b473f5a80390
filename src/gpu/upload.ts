import type { DataKind, NumericArray } from '../types.js';

/**
 * Moving bytes between host arrays and mapped GPU buffers. Uploads go through a pooled MAP_WRITE staging
 * buffer (measured through Dawn, 256 MiB: 46 ms on an H100 and 32 ms on an H200, against 280 / 89 ms for
 * queue.writeBuffer and 244 / 103 ms for a new mappedAtCreation buffer; bench/results/*-run{6,7}-gpu.json). Integer arrays keep their native width; float64 and plain
 * arrays are converted to float32 while they are copied in. Everything goes in pieces: Dawn's Node
 * binding cannot view more than 2 GiB of a mapping at once.
 */
const PIECE_BYTES = 256 * 2 ** 20;

type View = Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;
const VIEW_OF: Record<DataKind, new (buffer: ArrayBuffer) => View> = {
  float64: Float32Array, float32: Float32Array, int32: Int32Array, uint32: Uint32Array,
  int16: Int16Array, uint16: Uint16Array, int8: Int8Array, uint8: Uint8Array,
};

/** Copies (and for float64, converts) `data` into the mapped `buffer` at `byteOffset` (a multiple of 8). */
export function fillMapped(buffer: GPUBuffer, data: NumericArray, kind: DataKind, bytesPerElement: number, byteOffset = 0): void {
  const View = VIEW_OF[kind];
  const perPiece = PIECE_BYTES / bytesPerElement;
  for (let first = 0; first < data.length; first += perPiece) {
    const count = Math.min(perPiece, data.length - first);
    const bytes = Math.ceil((count * bytesPerElement) / 4) * 4;
    const target = new View(buffer.getMappedRange(byteOffset + first * bytesPerElement, bytes));
    const source = ArrayBuffer.isView(data)
      ? (data as unknown as View).subarray(first, first + count)
      : (data as readonly number[]).slice(first, first + count);
    target.set(source as ArrayLike<number>);
  }
}

/** Copies `count` floats at `byteOffset` out of a buffer mapped for reading. */
export function readMapped(buffer: GPUBuffer, byteOffset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const perPiece = PIECE_BYTES / 4;
  for (let first = 0; first < count; first += perPiece) {
    const n = Math.min(perPiece, count - first);
    out.set(new Float32Array(buffer.getMappedRange(byteOffset + first * 4, n * 4)), first);
  }
  return out;
}
