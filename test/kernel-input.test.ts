import { describe, expect, it } from 'vitest';
import { kernelInput, kernelInputs, SharedCopies } from '../src/cpu/kernel-input';

// What the CPU reference's loops read (src/cpu/kernel-input.ts): the caller's arrays as given while at most
// four array types have reached them, then float64 copies. In a file of its own: the types seen are the
// module's, for the whole file.
describe('kernelInput', () => {
  const values = [3, -1.5, 2 ** 40, 0.1, -0, 7];
  it('reads Float64Array and the first three other types as given, and copies every later type', () => {
    const f64 = Float64Array.from(values);
    expect(kernelInput(f64)).toBe(f64);
    const given = [Float32Array.from(values), Int32Array.from([1, 2, 3]), Uint8Array.from([4, 5])];
    for (const a of given) expect(kernelInput(a)).toBe(a);
    for (const a of given) expect(kernelInput(a)).toBe(a); // still, at later calls
    const late = Int16Array.from([9, -8, 7]);
    const copy = kernelInput(late);
    expect(copy).not.toBe(late);
    expect(copy).toBeInstanceOf(Float64Array);
    expect(Array.from(copy as Float64Array)).toEqual([9, -8, 7]);
    expect(kernelInput(f64)).toBe(f64); // Float64Array always
  });

  it('copies plain arrays (their maps vary with their elements) to the same doubles, -0 and NaN included', () => {
    const plain = [...values, Number.NaN];
    const copy = kernelInput(plain) as Float64Array;
    expect(copy).toBeInstanceOf(Float64Array);
    expect(copy).toHaveLength(plain.length);
    plain.forEach((v, i) => expect(Object.is(copy[i], v)).toBe(true));
  });

  it('returns views as they are, and gives each input of a call a copy of its own', () => {
    const view = { data: Float64Array.from(values), shape: [2, 3], strides: [3, 1], offset: 0, size: 6 };
    expect(kernelInput(view)).toBe(view);
    const [a, b] = kernelInputs([
      [1, 2, 3],
      [4, 5, 6],
    ]) as Float64Array[];
    expect(a.buffer).not.toBe(b.buffer);
    expect([...a, ...b]).toEqual([1, 2, 3, 4, 5, 6]);
    // A slot's copy is reused by its next call (valid until then): shorter inputs take a part of it.
    const again = kernelInput([7, 8]) as Float64Array;
    expect(again.buffer).toBe(a.buffer);
    expect(Array.from(again)).toEqual([7, 8]);
  });

  it('gives a split call a shared float64 copy of a late type, one kept for the next call and one each for calls at once', () => {
    // Float64Array, Float32Array, Int32Array and Uint8Array read as given (as after the first test).
    for (const Kind of [Float32Array, Int32Array, Uint8Array]) kernelInput(new Kind(1));
    const copies = new SharedCopies();
    const given = new Float32Array(new SharedArrayBuffer(24)).fill(2.5);
    expect(copies.input(given)).toBe(given);
    const late = new Int16Array(new SharedArrayBuffer(12));
    late.set([3, -4, 5, -6, 7, -8]);
    const a = copies.input(late) as Float64Array;
    expect(a).toBeInstanceOf(Float64Array);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(a)).toEqual([3, -4, 5, -6, 7, -8]);
    const b = copies.input(late) as Float64Array; // a call at the same time: not a's memory
    expect(b.buffer).not.toBe(a.buffer);
    copies.done(late, a);
    copies.done(late, b);
    copies.done(given, given); // as given: nothing to keep
    const shorter = new Int16Array(new SharedArrayBuffer(4));
    shorter.set([9, 10]);
    const c = copies.input(shorter) as Float64Array; // a later call takes a kept copy, the part it needs
    expect([a.buffer, b.buffer]).toContain(c.buffer);
    expect(Array.from(c)).toEqual([9, 10]);
    copies.done(shorter, c);
    copies.clear();
    const d = copies.input(shorter) as Float64Array;
    expect([a.buffer, b.buffer]).not.toContain(d.buffer);
  });
});
