import { describe, expect, it } from 'vitest';
import { isDetached } from '../src/typed';

// isDetached answers for a typed array from its own length where it has bytes, and from its buffer otherwise.
describe('isDetached', () => {
  const detach = (buffer: ArrayBuffer) => structuredClone(buffer, { transfer: [buffer] });

  it('is false for typed arrays with bytes, of every kind, views into part of a buffer, and shared memory', () => {
    expect(isDetached(new Float32Array(4))).toBe(false);
    expect(isDetached(new Uint8Array(1))).toBe(false); // small enough to live on V8's heap
    expect(isDetached(new Float64Array(new ArrayBuffer(64), 8, 2))).toBe(false);
    expect(isDetached(new Int16Array(new SharedArrayBuffer(8)))).toBe(false);
    expect(isDetached(new DataView(new ArrayBuffer(8)))).toBe(false);
  });

  it('decides a typed array with bytes without reading its buffer (the hot path of every host call)', () => {
    class Watched extends Float32Array {
      override get buffer(): ArrayBuffer {
        throw new Error('buffer read');
      }
    }
    expect(isDetached(new Watched(4))).toBe(false);
  });

  it('is true for a typed array or DataView whose buffer was transferred, a window into it included', () => {
    const whole = new Float32Array(16);
    const part = new Float32Array(whole.buffer, 16, 2);
    const view = new DataView(whole.buffer);
    detach(whole.buffer);
    expect(isDetached(whole)).toBe(true);
    expect(isDetached(part)).toBe(true);
    expect(isDetached(view)).toBe(true); // a detached DataView's byteLength throws: not read
  });

  it('is false for an empty window into a live buffer, and for an empty shared array', () => {
    expect(isDetached(new Float32Array(new ArrayBuffer(16), 16, 0))).toBe(false);
    expect(isDetached(new Float32Array(new SharedArrayBuffer(0)))).toBe(false);
  });
});
