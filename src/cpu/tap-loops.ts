/**
 * The programs' row loops of two to five taps (derivatives.ts applyAlong, lineTaps, planeTaps) eight
 * points an iteration, as unroll.ts's loops: result[p] = bias + Σ_t w_t · f[p + d_t] for p from p0 to p1,
 * the taps summed in order, so the bits are those of one point an iteration. A tap's offset d_t may be
 * negative (a row of a plane reads the rows before it); it is kept in a range V8 can see,
 * [−2²⁹, 2²⁹), by ((d + 2²⁹) & (2³⁰ − 1)) − 2²⁹, and p in [0, 2²⁹) by a mask: both identities while every
 * index is below TAP_LIMIT, and every sum of them then fits an int32, so no overflow is checked.
 *
 * Measured on this project's 2-core VM (bench/NOTES.md, twentieth session): see storeTaps.
 */

/** The length of array past which storeTaps declines (2²⁹ − 1): its callers run their plain loops there. */
export const TAP_LIMIT = 0x1fffffff;

/**
 * result[p] = bias + w0·f[p + d0] + … + w(T−1)·f[p + d(T−1)] for p from p0 to p1 and T from 2 to 5, by an
 * unrolled loop; false (nothing written) where T is another count or f or result are longer than TAP_LIMIT.
 */
// biome-ignore format: a tap's offset and weight a pair
export function storeTaps(T: number, result: Float64Array, f: ArrayLike<number>, p0: number, p1: number, bias: number,
  d0: number, w0: number, d1: number, w1: number, d2: number, w2: number, d3: number, w3: number, d4: number, w4: number): boolean {
  if (T < 2 || T > 5 || result.length > TAP_LIMIT || f.length > TAP_LIMIT) return false;
  if (p1 <= p0) return true;
  if (T === 2) taps2(result, f, p0, p1, bias, d0, w0, d1, w1);
  else if (T === 3) taps3(result, f, p0, p1, bias, d0, w0, d1, w1, d2, w2);
  else if (T === 4) taps4(result, f, p0, p1, bias, d0, w0, d1, w1, d2, w2, d3, w3);
  else taps5(result, f, p0, p1, bias, d0, w0, d1, w1, d2, w2, d3, w3, d4, w4);
  return true;
}

// biome-ignore format: a tap's offset and weight a pair
function taps2(r: Float64Array, f: ArrayLike<number>, p0: number, p1: number, b: number, d0: number, w0: number, d1: number, w1: number): void {
  const a = ((d0 + 0x20000000) & 0x3fffffff) - 0x20000000, c = ((d1 + 0x20000000) & 0x3fffffff) - 0x20000000;
  const z = p1 & 0x1fffffff;
  let p = p0 & 0x1fffffff;
  // The points past a multiple of eight first: code after the unrolled loop that had not run when V8
  // compiled the loop (on stack replacement) deoptimised at every call (--trace-deopt: 18,064 times in 20
  // 128³ Hessians at accuracy 4).
  for (const head = p + ((z - p) & 7); p < head; p++) r[p] = b + w0 * f[p + a] + w1 * f[p + c];
  for (; p < z; p += 8) {
    r[p] = b + w0 * f[p + a] + w1 * f[p + c];
    r[p + 1] = b + w0 * f[p + 1 + a] + w1 * f[p + 1 + c];
    r[p + 2] = b + w0 * f[p + 2 + a] + w1 * f[p + 2 + c];
    r[p + 3] = b + w0 * f[p + 3 + a] + w1 * f[p + 3 + c];
    r[p + 4] = b + w0 * f[p + 4 + a] + w1 * f[p + 4 + c];
    r[p + 5] = b + w0 * f[p + 5 + a] + w1 * f[p + 5 + c];
    r[p + 6] = b + w0 * f[p + 6 + a] + w1 * f[p + 6 + c];
    r[p + 7] = b + w0 * f[p + 7 + a] + w1 * f[p + 7 + c];
  }
}

// biome-ignore format: a tap's offset and weight a pair
function taps3(r: Float64Array, f: ArrayLike<number>, p0: number, p1: number, b: number, d0: number, w0: number, d1: number, w1: number, d2: number, w2: number): void {
  const a = ((d0 + 0x20000000) & 0x3fffffff) - 0x20000000, c = ((d1 + 0x20000000) & 0x3fffffff) - 0x20000000;
  const e = ((d2 + 0x20000000) & 0x3fffffff) - 0x20000000;
  const z = p1 & 0x1fffffff;
  let p = p0 & 0x1fffffff;
  for (const head = p + ((z - p) & 7); p < head; p++) r[p] = b + w0 * f[p + a] + w1 * f[p + c] + w2 * f[p + e];
  for (; p < z; p += 8) {
    r[p] = b + w0 * f[p + a] + w1 * f[p + c] + w2 * f[p + e];
    r[p + 1] = b + w0 * f[p + 1 + a] + w1 * f[p + 1 + c] + w2 * f[p + 1 + e];
    r[p + 2] = b + w0 * f[p + 2 + a] + w1 * f[p + 2 + c] + w2 * f[p + 2 + e];
    r[p + 3] = b + w0 * f[p + 3 + a] + w1 * f[p + 3 + c] + w2 * f[p + 3 + e];
    r[p + 4] = b + w0 * f[p + 4 + a] + w1 * f[p + 4 + c] + w2 * f[p + 4 + e];
    r[p + 5] = b + w0 * f[p + 5 + a] + w1 * f[p + 5 + c] + w2 * f[p + 5 + e];
    r[p + 6] = b + w0 * f[p + 6 + a] + w1 * f[p + 6 + c] + w2 * f[p + 6 + e];
    r[p + 7] = b + w0 * f[p + 7 + a] + w1 * f[p + 7 + c] + w2 * f[p + 7 + e];
  }
}

// biome-ignore format: a tap's offset and weight a pair
function taps4(r: Float64Array, f: ArrayLike<number>, p0: number, p1: number, b: number, d0: number, w0: number, d1: number, w1: number, d2: number, w2: number, d3: number, w3: number): void {
  const a = ((d0 + 0x20000000) & 0x3fffffff) - 0x20000000, c = ((d1 + 0x20000000) & 0x3fffffff) - 0x20000000;
  const e = ((d2 + 0x20000000) & 0x3fffffff) - 0x20000000, g = ((d3 + 0x20000000) & 0x3fffffff) - 0x20000000;
  const z = p1 & 0x1fffffff;
  let p = p0 & 0x1fffffff;
  for (const head = p + ((z - p) & 7); p < head; p++) r[p] = b + w0 * f[p + a] + w1 * f[p + c] + w2 * f[p + e] + w3 * f[p + g];
  for (; p < z; p += 8) {
    r[p] = b + w0 * f[p + a] + w1 * f[p + c] + w2 * f[p + e] + w3 * f[p + g];
    r[p + 1] = b + w0 * f[p + 1 + a] + w1 * f[p + 1 + c] + w2 * f[p + 1 + e] + w3 * f[p + 1 + g];
    r[p + 2] = b + w0 * f[p + 2 + a] + w1 * f[p + 2 + c] + w2 * f[p + 2 + e] + w3 * f[p + 2 + g];
    r[p + 3] = b + w0 * f[p + 3 + a] + w1 * f[p + 3 + c] + w2 * f[p + 3 + e] + w3 * f[p + 3 + g];
    r[p + 4] = b + w0 * f[p + 4 + a] + w1 * f[p + 4 + c] + w2 * f[p + 4 + e] + w3 * f[p + 4 + g];
    r[p + 5] = b + w0 * f[p + 5 + a] + w1 * f[p + 5 + c] + w2 * f[p + 5 + e] + w3 * f[p + 5 + g];
    r[p + 6] = b + w0 * f[p + 6 + a] + w1 * f[p + 6 + c] + w2 * f[p + 6 + e] + w3 * f[p + 6 + g];
    r[p + 7] = b + w0 * f[p + 7 + a] + w1 * f[p + 7 + c] + w2 * f[p + 7 + e] + w3 * f[p + 7 + g];
  }
}

// biome-ignore format: a tap's offset and weight a pair
function taps5(r: Float64Array, f: ArrayLike<number>, p0: number, p1: number, b: number, d0: number, w0: number, d1: number, w1: number, d2: number, w2: number, d3: number, w3: number, d4: number, w4: number): void {
  const a = ((d0 + 0x20000000) & 0x3fffffff) - 0x20000000, c = ((d1 + 0x20000000) & 0x3fffffff) - 0x20000000;
  const e = ((d2 + 0x20000000) & 0x3fffffff) - 0x20000000, g = ((d3 + 0x20000000) & 0x3fffffff) - 0x20000000;
  const i = ((d4 + 0x20000000) & 0x3fffffff) - 0x20000000;
  const z = p1 & 0x1fffffff;
  let p = p0 & 0x1fffffff;
  for (const head = p + ((z - p) & 7); p < head; p++) r[p] = b + w0 * f[p + a] + w1 * f[p + c] + w2 * f[p + e] + w3 * f[p + g] + w4 * f[p + i];
  for (; p < z; p += 8) {
    r[p] = b + w0 * f[p + a] + w1 * f[p + c] + w2 * f[p + e] + w3 * f[p + g] + w4 * f[p + i];
    r[p + 1] = b + w0 * f[p + 1 + a] + w1 * f[p + 1 + c] + w2 * f[p + 1 + e] + w3 * f[p + 1 + g] + w4 * f[p + 1 + i];
    r[p + 2] = b + w0 * f[p + 2 + a] + w1 * f[p + 2 + c] + w2 * f[p + 2 + e] + w3 * f[p + 2 + g] + w4 * f[p + 2 + i];
    r[p + 3] = b + w0 * f[p + 3 + a] + w1 * f[p + 3 + c] + w2 * f[p + 3 + e] + w3 * f[p + 3 + g] + w4 * f[p + 3 + i];
    r[p + 4] = b + w0 * f[p + 4 + a] + w1 * f[p + 4 + c] + w2 * f[p + 4 + e] + w3 * f[p + 4 + g] + w4 * f[p + 4 + i];
    r[p + 5] = b + w0 * f[p + 5 + a] + w1 * f[p + 5 + c] + w2 * f[p + 5 + e] + w3 * f[p + 5 + g] + w4 * f[p + 5 + i];
    r[p + 6] = b + w0 * f[p + 6 + a] + w1 * f[p + 6 + c] + w2 * f[p + 6 + e] + w3 * f[p + 6 + g] + w4 * f[p + 6 + i];
    r[p + 7] = b + w0 * f[p + 7 + a] + w1 * f[p + 7 + c] + w2 * f[p + 7 + e] + w3 * f[p + 7 + g] + w4 * f[p + 7 + i];
  }
}

/**
 * Dense rows of three taps with weights of their own (derivatives.ts denseLine: uneven coordinates along
 * the last axis), rows a..z eight an iteration: result[rb + i] (+)= bias[i] + w[k]·f[c] + w[k + 1]·f[c + 1]
 * + w[k + 2]·f[c + 2], k = i·W + lo, c = c0 + i, summed as denseLine's plain loop sums them (the same
 * bits); false (nothing written) where an array is longer than TAP_LIMIT or an index could leave
 * [0, TAP_LIMIT]. Measured: bench/NOTES.md, twenty-first session.
 */
// biome-ignore format: the rows' arguments together
export function dense3(result: Float64Array, rb: number, f: ArrayLike<number>, c0: number, w: Float64Array, W: number, lo: number, bias: Float64Array, a: number, z: number, accumulate: boolean): boolean {
  if (result.length > TAP_LIMIT || f.length > TAP_LIMIT || w.length > TAP_LIMIT || z <= a) return z <= a;
  if (rb < 0 || rb + z > TAP_LIMIT || c0 + a < 0 || c0 + z + 2 > TAP_LIMIT || W * z + lo > TAP_LIMIT) return false;
  if (accumulate) dense3Add(result, rb, f, c0, w, W, lo, bias, a, z);
  else dense3Store(result, rb, f, c0, w, W, lo, bias, a, z);
  return true;
}

// biome-ignore format: the rows' arguments together
function dense3Store(r: Float64Array, rb0: number, f: ArrayLike<number>, c00: number, w: Float64Array, W0: number, lo: number, bias: Float64Array, a: number, z0: number): void {
  const rb = rb0 & 0x1fffffff, W = W0 & 0x1fffffff, z = z0 & 0x1fffffff;
  const c0 = ((c00 + 0x20000000) & 0x3fffffff) - 0x20000000;
  let i = a & 0x1fffffff;
  let k = (i * W + lo) & 0x1fffffff;
  for (const head = i + ((z - i) & 7); i < head; i++, k += W) {
    const c = c0 + i;
    r[rb + i] = bias[i] + w[k] * f[c] + w[k + 1] * f[c + 1] + w[k + 2] * f[c + 2];
  }
  for (; i < z; i += 8) {
    const c = c0 + i;
    const k1 = k + W, k2 = k1 + W, k3 = k2 + W, k4 = k3 + W, k5 = k4 + W, k6 = k5 + W, k7 = k6 + W;
    r[rb + i] = bias[i] + w[k] * f[c] + w[k + 1] * f[c + 1] + w[k + 2] * f[c + 2];
    r[rb + i + 1] = bias[i + 1] + w[k1] * f[c + 1] + w[k1 + 1] * f[c + 2] + w[k1 + 2] * f[c + 3];
    r[rb + i + 2] = bias[i + 2] + w[k2] * f[c + 2] + w[k2 + 1] * f[c + 3] + w[k2 + 2] * f[c + 4];
    r[rb + i + 3] = bias[i + 3] + w[k3] * f[c + 3] + w[k3 + 1] * f[c + 4] + w[k3 + 2] * f[c + 5];
    r[rb + i + 4] = bias[i + 4] + w[k4] * f[c + 4] + w[k4 + 1] * f[c + 5] + w[k4 + 2] * f[c + 6];
    r[rb + i + 5] = bias[i + 5] + w[k5] * f[c + 5] + w[k5 + 1] * f[c + 6] + w[k5 + 2] * f[c + 7];
    r[rb + i + 6] = bias[i + 6] + w[k6] * f[c + 6] + w[k6 + 1] * f[c + 7] + w[k6 + 2] * f[c + 8];
    r[rb + i + 7] = bias[i + 7] + w[k7] * f[c + 7] + w[k7 + 1] * f[c + 8] + w[k7 + 2] * f[c + 9];
    k = k7 + W;
  }
}

/** dense3Store adding to result: a loop of its own, as denseLine's (a test per point cost 1.2–1.3× there). */
// biome-ignore format: the rows' arguments together
function dense3Add(r: Float64Array, rb0: number, f: ArrayLike<number>, c00: number, w: Float64Array, W0: number, lo: number, bias: Float64Array, a: number, z0: number): void {
  const rb = rb0 & 0x1fffffff, W = W0 & 0x1fffffff, z = z0 & 0x1fffffff;
  const c0 = ((c00 + 0x20000000) & 0x3fffffff) - 0x20000000;
  let i = a & 0x1fffffff;
  let k = (i * W + lo) & 0x1fffffff;
  for (const head = i + ((z - i) & 7); i < head; i++, k += W) {
    const c = c0 + i;
    r[rb + i] += bias[i] + w[k] * f[c] + w[k + 1] * f[c + 1] + w[k + 2] * f[c + 2];
  }
  for (; i < z; i += 8) {
    const c = c0 + i;
    const k1 = k + W, k2 = k1 + W, k3 = k2 + W, k4 = k3 + W, k5 = k4 + W, k6 = k5 + W, k7 = k6 + W;
    r[rb + i] += bias[i] + w[k] * f[c] + w[k + 1] * f[c + 1] + w[k + 2] * f[c + 2];
    r[rb + i + 1] += bias[i + 1] + w[k1] * f[c + 1] + w[k1 + 1] * f[c + 2] + w[k1 + 2] * f[c + 3];
    r[rb + i + 2] += bias[i + 2] + w[k2] * f[c + 2] + w[k2 + 1] * f[c + 3] + w[k2 + 2] * f[c + 4];
    r[rb + i + 3] += bias[i + 3] + w[k3] * f[c + 3] + w[k3 + 1] * f[c + 4] + w[k3 + 2] * f[c + 5];
    r[rb + i + 4] += bias[i + 4] + w[k4] * f[c + 4] + w[k4 + 1] * f[c + 5] + w[k4 + 2] * f[c + 6];
    r[rb + i + 5] += bias[i + 5] + w[k5] * f[c + 5] + w[k5 + 1] * f[c + 6] + w[k5 + 2] * f[c + 7];
    r[rb + i + 6] += bias[i + 6] + w[k6] * f[c + 6] + w[k6 + 1] * f[c + 7] + w[k6 + 2] * f[c + 8];
    r[rb + i + 7] += bias[i + 7] + w[k7] * f[c + 7] + w[k7 + 1] * f[c + 8] + w[k7 + 2] * f[c + 9];
    k = k7 + W;
  }
}
