import type { DataKind, NumericArray } from '../types';

/**
 * The bytes the GPU reads: integer arrays at their native width (an 8-bit image moves a quarter of the
 * bytes of f32), float32 as is, float64 and plain arrays converted to float32 on the host.
 */
export function hostBytes(data: NumericArray, kind: DataKind): ArrayBufferView {
  if (kind === 'float64') return Float32Array.from(data as ArrayLike<number>);
  return data as ArrayBufferView;
}

/** Bytes per writeBuffer call: keeps Dawn's internal staging small for very large uploads. */
const WRITE_PIECE = 64 * 2 ** 20;

/** queue.writeBuffer of any byte length (it needs multiples of 4): the tail goes through a padded word. */
export function writeBytes(queue: GPUQueue, buffer: GPUBuffer, bytes: ArrayBufferView): void {
  const whole = bytes.byteLength & ~3;
  for (let at = 0; at < whole; at += WRITE_PIECE) {
    queue.writeBuffer(buffer, at, bytes.buffer, bytes.byteOffset + at, Math.min(WRITE_PIECE, whole - at));
  }
  const rest = bytes.byteLength - whole;
  if (rest > 0) {
    const tail = new Uint8Array(4);
    tail.set(new Uint8Array(bytes.buffer, bytes.byteOffset + whole, rest));
    queue.writeBuffer(buffer, whole, tail);
  }
}
