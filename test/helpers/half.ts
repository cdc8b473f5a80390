/**
 * float16 bits for runtimes without Float16Array (Node 20): the tests' own conversions, written from
 * IEEE 754 binary16 (1 sign bit, 5 exponent bits with bias 15, 10 fraction bits), rounding to nearest even.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bits of `x` rounded to nearest even (overflow to ±Infinity, NaN kept). */
export function halfBits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  if (((bits >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (bits & 0x7fffff ? 0x200 : 0);
  // Work from the float64 value: exact for every float32, and simple to round.
  const a = Math.abs(f32[0]);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) {
    // Subnormal: multiples of 2^-24.
    const m = roundHalfEven(a / 2 ** -24);
    return sign | m; // m = 1024 rounds up into the smallest normal, whose bits are the same
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // guard against log2 rounding
  if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The value of binary16 bits. */
export function halfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** `values` rounded to float16, as the bits (for a GPU buffer) and as numbers (for the reference). */
export function toHalves(values: ArrayLike<number>): { bits: Uint16Array; values: Float64Array } {
  const bits = Uint16Array.from({ length: values.length }, (_, i) => halfBits(values[i]));
  return { bits, values: Float64Array.from(bits, halfValue) };
}
