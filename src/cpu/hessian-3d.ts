import type { AxisOperator, Factor, Program } from '../derivatives.js';
import { column, interior, perProgram, rowOn } from './hessian-2d.js';
import { MAX_INDEX } from './unroll.js';

/**
 * The 3-D Hessian's interior in one pass, for the CPU reference (derivatives.ts programRows), as
 * hessian-2d.ts does for 2-D: where the operators' interior rows are the second-order three- and two-point
 * taps on uniform steps, a plane's interior rows are computed block by block, the six second partials a
 * loop each (interiorLoop) — the mixed partials along the last axis from their first factors' values
 * carried along, ∂/∂x_1 of ∂/∂x_0 from ∂/∂x_0 computed again at the rows either side. Each value is the
 * expression the operators' passes evaluate, on the same values, in the same order: the same bits. A
 * plane's rows where an operator along the middle axis takes an edge row go result by result along the
 * row (face), its line ends point by point from the operators' rows; planes where one along the first
 * axis does are left to the passes. The figures below are the one-loop form's (twentieth session:
 * interiorLoop's).
 *
 * On the 2-core VM of bench/NOTES.md (fifteenth session), into `out`, alternating with the passes: 128³
 * 22.8–24.0 ms against 29.7–30.1, 256³ 187 against 270, 64³ 6.0 against 7.6, 200×100×30 8.8 against 10.2.
 * The interior loop alone against bare passes: 18.8–18.9 against 29.0–29.7 ms at 128³; a first version
 * that computed the middle axis's end rows point by point through the operators' rows (six results, a
 * generic loop each) was slower than the passes (32.5 against 30.6 ms at 128³).
 */

/** What the fused pass reads of a 3-D Hessian's program (fusedHessian3d). */
export interface FusedHessian3d {
  readonly dims: 3;
  readonly n0: number;
  readonly n1: number;
  readonly n2: number;
  /** Per axis, positions lo..hi where both its operators take their interior rows. */
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  /** Per axis: the second difference's interior bias and three weights, then the first difference's bias and two. */
  readonly c: Float64Array;
  /** The operators: the second differences and the first differences along axes 0, 1, 2. */
  readonly second: readonly AxisOperator[];
  readonly first: readonly AxisOperator[];
}

/**
 * The fused pass for a program that is the Hessian of a 3-D array over its axes in order — outputs
 * (0,0), (0,1), (0,2), (1,1), (1,2), (2,2), each one term of one input: [∂²/∂x_i²] or [∂/∂x_i then
 * ∂/∂x_j] — whose operators' interior rows have the taps (−1, 0, +1) and (−1, +1); else null.
 */
export const fusedHessian3d = perProgram(describe);

function describe(program: Program): FusedHessian3d | null {
  const { plan, outputs } = program;
  if (plan.shape.length !== 3 || program.inputs !== 1 || outputs.length !== 6) return null;
  if (plan.size > MAX_INDEX) return null;
  const second: AxisOperator[] = [];
  const first: (AxisOperator | null)[] = [null, null, null];
  let k = 0;
  for (let i = 0; i < 3; i++) {
    for (let j = i; j < 3; j++, k++) {
      const out = outputs[k];
      if (out.length !== 1 || out[0].component !== 0) return null;
      const factors: readonly Factor[] = out[0].factors;
      if (i === j) {
        if (factors.length !== 1 || factors[0].axis.axis !== i) return null;
        second.push(factors[0].op);
        continue;
      }
      if (factors.length !== 2 || factors[0].axis.axis !== i || factors[1].axis.axis !== j) return null;
      // One first difference per axis, whichever mixed partial it is a factor of.
      for (const [axis, op] of [
        [i, factors[0].op],
        [j, factors[1].op],
      ] as const) {
        if (first[axis] !== null && first[axis] !== op) return null;
        first[axis] = op;
      }
    }
  }
  const [n0, n1, n2] = plan.shape;
  const lo: number[] = [];
  const hi: number[] = [];
  const c = new Float64Array(21);
  for (let a = 0; a < 3; a++) {
    const s = interior(second[a], 3);
    const f = interior(first[a]!, 2);
    if (!s || !f) return null;
    lo.push(Math.max(s.from, f.from, 1));
    hi.push(Math.min(s.to, f.to, plan.shape[a] - 1));
    if (lo[a] >= hi[a]) return null;
    c.set([s.bias, ...s.weights, f.bias, ...f.weights], 7 * a);
  }
  return { dims: 3, n0, n1, n2, lo, hi, c, second, first: first as AxisOperator[] };
}

/**
 * The six results at positions a..z of the first axis that lie in its interior (lo[0]..hi[0]); the caller
 * computes the others by the operators' passes.
 */
export function hessianRows3d(h: FusedHessian3d, f: ArrayLike<number>, outs: readonly Float64Array[], a: number, z: number): void {
  const ra = Math.max(a, h.lo[0]),
    rz = Math.min(z, h.hi[0]);
  const { n1, n2, lo, hi } = h;
  const S1 = n2,
    S0 = n1 * n2;
  for (let r = ra; r < rz; r++) {
    const plane = r * S0;
    // The middle axis's interior rows, every column; then their line ends, then the rows at its ends.
    // biome-ignore format: the outputs in a line
    interiorLoop(f, outs[0], outs[1], outs[2], outs[3], outs[4], outs[5], plane + lo[1] * S1, plane + hi[1] * S1, S0, S1, h.c);
    for (let q = lo[1], line = plane + q * S1; q < hi[1]; q++, line += S1) {
      for (let col = 0; col < lo[2]; col++) lineEnd(h, f, outs, line, q, col, true);
      for (let col = hi[2]; col < n2; col++) lineEnd(h, f, outs, line, q, col, true);
    }
    for (let q = 0; q < lo[1]; q++) face(h, f, outs, plane, q);
    for (let q = hi[1]; q < n1; q++) face(h, f, outs, plane, q);
  }
}

/**
 * p from first to last: the three second differences; ∂/∂x_2 of ∂/∂x_0 and of ∂/∂x_1 from the first
 * factors' values at p ± 1; ∂/∂x_1 of ∂/∂x_0 from ∂/∂x_0 computed again at p ± S1. Across a line's end the
 * last axis's results are wrong, and lineEnd rewrites them.
 *
 * Block by block (BLOCK points), one result at a time: each loop writes one output stream and reads rows of
 * f that the block's other loops keep in cache, and runs eight points an iteration with its indices masked
 * (unroll.ts); the first factors' values along the last axis are carried (firstAcross). Every value is
 * the expression the one-loop form evaluated, so the bits are the same. The 128³ Hessian into `out` on the
 * 2-core VM of bench/NOTES.md (twentieth session), ten processes a build alternating: 29.1 ms against
 * 37.1 for one loop of six results (paired ratios 0.65–1.10, median 0.78); the faces below, point by
 * point, had taken 12 % of its time in a CPU profile, now 3 %.
 */
// biome-ignore format: the outputs in a line
function interiorLoop(f: ArrayLike<number>, d00: Float64Array, d01: Float64Array, d02: Float64Array, d11: Float64Array, d12: Float64Array, d22: Float64Array, first: number, last: number, S0: number, S1: number, c: Float64Array): void {
  const [xb, x0, x1, x2, ub, u0, u1, yb, y0, y1, y2, vb, v0, v1, zb, z0, z1, z2, wb, w0, w1] = c;
  for (let a = first; a < last; a += BLOCK) {
    const z = Math.min(a + BLOCK, last);
    secondDifference(d00, f, a, z, S0, xb, x0, x1, x2);
    secondDifference(d11, f, a, z, S1, yb, y0, y1, y2);
    secondDifference(d22, f, a, z, 1, zb, z0, z1, z2);
    firstAcross(d02, f, a, z, S0, ub, u0, u1, wb, w0, w1);
    firstAcross(d12, f, a, z, S1, vb, v0, v1, wb, w0, w1);
    mixedRows(d01, f, a, z, S0 + S1, S0 - S1, ub, u0, u1, vb, v0, v1);
  }
}

/** Points of interiorLoop a block: the rows of f it reads stay in cache. */
const BLOCK = 512;
/** ∂/∂x_1 by an edge row along a block of a face's row (face), from p − 1 to p + 1. */
const V = new Float64Array(BLOCK + 2);

/** out[p] = b + w0·f[p − s] + w1·f[p] + w2·f[p + s] for p from p0 to p1. */
// biome-ignore format: the weights in a line
function secondDifference(out: Float64Array, f: ArrayLike<number>, p0: number, p1: number, s: number, b: number, w0: number, w1: number, w2: number): void {
  const z = p1 & 0x3fffffff, t = s & 0x3fffffff;
  let p = p0 & 0x3fffffff;
  for (const head = p + ((z - p) & 7); p < head && p < z; p++) out[p] = b + w0 * f[p - t] + w1 * f[p] + w2 * f[p + t];
  for (; p < z; p += 8) {
    out[p] = b + w0 * f[p - t] + w1 * f[p] + w2 * f[p + t];
    out[p + 1] = b + w0 * f[p + 1 - t] + w1 * f[p + 1] + w2 * f[p + 1 + t];
    out[p + 2] = b + w0 * f[p + 2 - t] + w1 * f[p + 2] + w2 * f[p + 2 + t];
    out[p + 3] = b + w0 * f[p + 3 - t] + w1 * f[p + 3] + w2 * f[p + 3 + t];
    out[p + 4] = b + w0 * f[p + 4 - t] + w1 * f[p + 4] + w2 * f[p + 4 + t];
    out[p + 5] = b + w0 * f[p + 5 - t] + w1 * f[p + 5] + w2 * f[p + 5 + t];
    out[p + 6] = b + w0 * f[p + 6 - t] + w1 * f[p + 6] + w2 * f[p + 6 + t];
    out[p + 7] = b + w0 * f[p + 7 - t] + w1 * f[p + 7] + w2 * f[p + 7 + t];
  }
}

/**
 * out[p] = b + w0·(∂ at p − 1) + w1·(∂ at p + 1) for p from p0 to p1, ∂ = ub + u0·f[· − s] + u1·f[· + s]: a
 * first difference along the last axis of one along another, each value of the inner one computed once
 * and carried along.
 */
// biome-ignore format: the weights in groups
function firstAcross(out: Float64Array, f: ArrayLike<number>, p0: number, p1: number, s: number,
  ub: number, u0: number, u1: number, b: number, w0: number, w1: number): void {
  const z = p1 & 0x3fffffff, t = s & 0x3fffffff;
  let p = p0 & 0x3fffffff;
  let m2 = ub + u0 * f[p - 1 - t] + u1 * f[p - 1 + t];
  let m1 = ub + u0 * f[p - t] + u1 * f[p + t];
  for (const head = p + ((z - p) & 7); p < head && p < z; p++) {
    const a = ub + u0 * f[p + 1 - t] + u1 * f[p + 1 + t];
    out[p] = b + w0 * m2 + w1 * a;
    m2 = m1;
    m1 = a;
  }
  for (; p < z; p += 8) {
    const a0 = ub + u0 * f[p + 1 - t] + u1 * f[p + 1 + t];
    out[p] = b + w0 * m2 + w1 * a0;
    const a1 = ub + u0 * f[p + 2 - t] + u1 * f[p + 2 + t];
    out[p + 1] = b + w0 * m1 + w1 * a1;
    const a2 = ub + u0 * f[p + 3 - t] + u1 * f[p + 3 + t];
    out[p + 2] = b + w0 * a0 + w1 * a2;
    const a3 = ub + u0 * f[p + 4 - t] + u1 * f[p + 4 + t];
    out[p + 3] = b + w0 * a1 + w1 * a3;
    const a4 = ub + u0 * f[p + 5 - t] + u1 * f[p + 5 + t];
    out[p + 4] = b + w0 * a2 + w1 * a4;
    const a5 = ub + u0 * f[p + 6 - t] + u1 * f[p + 6 + t];
    out[p + 5] = b + w0 * a3 + w1 * a5;
    const a6 = ub + u0 * f[p + 7 - t] + u1 * f[p + 7 + t];
    out[p + 6] = b + w0 * a4 + w1 * a6;
    const a7 = ub + u0 * f[p + 8 - t] + u1 * f[p + 8 + t];
    out[p + 7] = b + w0 * a5 + w1 * a7;
    m2 = a6;
    m1 = a7;
  }
}

/** out[p] = b + w0·u[p − a] + w1·u[p − a + 2] for p from p0 to p1: ∂/∂x_2 of what u holds at p ± 1. */
// biome-ignore format: the weights in a line
function acrossLine(out: Float64Array, u: Float64Array, a: number, p0: number, p1: number, b: number, w0: number, w1: number): void {
  const z = p1 & 0x3fffffff, m = a & 0x3fffffff;
  let p = p0 & 0x3fffffff;
  for (const head = p + ((z - p) & 7); p < head && p < z; p++) out[p] = b + w0 * u[p - m] + w1 * u[p - m + 2];
  for (; p < z; p += 8) {
    const j = p - m;
    out[p] = b + w0 * u[j] + w1 * u[j + 2];
    out[p + 1] = b + w0 * u[j + 1] + w1 * u[j + 3];
    out[p + 2] = b + w0 * u[j + 2] + w1 * u[j + 4];
    out[p + 3] = b + w0 * u[j + 3] + w1 * u[j + 5];
    out[p + 4] = b + w0 * u[j + 4] + w1 * u[j + 6];
    out[p + 5] = b + w0 * u[j + 5] + w1 * u[j + 7];
    out[p + 6] = b + w0 * u[j + 6] + w1 * u[j + 8];
    out[p + 7] = b + w0 * u[j + 7] + w1 * u[j + 9];
  }
}

/**
 * out[p] = vb + v0·(∂/∂x_0 at p − S1) + v1·(∂/∂x_0 at p + S1), ∂/∂x_0 = ub + u0·f[· − S0] + u1·f[· + S0]:
 * with A = S0 + S1 and B = S0 − S1, its taps are at p − A, p + B and p − B, p + A.
 */
// biome-ignore format: the weights in groups
function mixedRows(out: Float64Array, f: ArrayLike<number>, p0: number, p1: number, A: number, B: number,
  ub: number, u0: number, u1: number, vb: number, v0: number, v1: number): void {
  const z = p1 & 0x3fffffff, sa = A & 0x3fffffff, sb = B & 0x3fffffff;
  let p = p0 & 0x3fffffff;
  for (const head = p + ((z - p) & 7); p < head && p < z; p++) out[p] = vb + v0 * (ub + u0 * f[p - sa] + u1 * f[p + sb]) + v1 * (ub + u0 * f[p - sb] + u1 * f[p + sa]);
  for (; p < z; p += 8) {
    out[p] = vb + v0 * (ub + u0 * f[p - sa] + u1 * f[p + sb]) + v1 * (ub + u0 * f[p - sb] + u1 * f[p + sa]);
    out[p + 1] = vb + v0 * (ub + u0 * f[p + 1 - sa] + u1 * f[p + 1 + sb]) + v1 * (ub + u0 * f[p + 1 - sb] + u1 * f[p + 1 + sa]);
    out[p + 2] = vb + v0 * (ub + u0 * f[p + 2 - sa] + u1 * f[p + 2 + sb]) + v1 * (ub + u0 * f[p + 2 - sb] + u1 * f[p + 2 + sa]);
    out[p + 3] = vb + v0 * (ub + u0 * f[p + 3 - sa] + u1 * f[p + 3 + sb]) + v1 * (ub + u0 * f[p + 3 - sb] + u1 * f[p + 3 + sa]);
    out[p + 4] = vb + v0 * (ub + u0 * f[p + 4 - sa] + u1 * f[p + 4 + sb]) + v1 * (ub + u0 * f[p + 4 - sb] + u1 * f[p + 4 + sa]);
    out[p + 5] = vb + v0 * (ub + u0 * f[p + 5 - sa] + u1 * f[p + 5 + sb]) + v1 * (ub + u0 * f[p + 5 - sb] + u1 * f[p + 5 + sa]);
    out[p + 6] = vb + v0 * (ub + u0 * f[p + 6 - sa] + u1 * f[p + 6 + sb]) + v1 * (ub + u0 * f[p + 6 - sb] + u1 * f[p + 6 + sa]);
    out[p + 7] = vb + v0 * (ub + u0 * f[p + 7 - sa] + u1 * f[p + 7 + sb]) + v1 * (ub + u0 * f[p + 7 - sb] + u1 * f[p + 7 + sa]);
  }
}

/** ∂/∂x_0 at p (an interior plane): its interior row, as its pass computes it. */
function dx0(f: ArrayLike<number>, c: Float64Array, p: number, S0: number): number {
  return c[4] + c[5] * f[p - S0] + c[6] * f[p + S0];
}

/**
 * ∂/∂x_2 (its row col) of ∂/∂x_0 and of ∂/∂x_1 at the columns it reads, into the (0,2) and (1,2)
 * results at row q, column col: ∂/∂x_1 by its interior row (`interiorRow`) or by its row q.
 */
// biome-ignore format: the arguments in a line
function lastAxisMixed(h: FusedHessian3d, f: ArrayLike<number>, outs: readonly Float64Array[], line: number, q: number, col: number, interiorRow: boolean): void {
  const { n1, n2, c } = h;
  const S0 = n1 * n2;
  const S1 = n2;
  const d1 = h.first[1];
  const d2 = h.first[2];
  let d02 = d2.bias[col];
  let d12 = d2.bias[col];
  for (let k = 0; k < d2.width; k++) {
    const w = d2.weights[col * d2.width + k];
    if (w === 0) continue;
    const at = line + column(d2, col, k);
    d02 += w * dx0(f, c, at, S0);
    d12 += w * (interiorRow ? c[11] + c[12] * f[at - S1] + c[13] * f[at + S1] : rowOn(d1, q, f, at, S1));
  }
  outs[2][line + col] = d02;
  outs[4][line + col] = d12;
}

/**
 * All six results along row q of the plane, a row where the middle axis's operators take an edge row:
 * result by result along the row, its interior columns block by block as interiorLoop, its line ends
 * point by point. A row's edge taps are the same at every column, so they are added tap by tap over the
 * row, in rowOn's order and skipping its zero weights: the same bits. Point by point (every result through
 * rowOn at every column), these rows took 14 % of the 128³ Hessian's time for 1.6 % of its points.
 */
function face(h: FusedHessian3d, f: ArrayLike<number>, outs: readonly Float64Array[], plane: number, q: number): void {
  const { n1, n2, c, lo, hi } = h;
  const S0 = n1 * n2;
  const S1 = n2;
  const line = plane + q * S1;
  const [d00, d01, d02, d11, d12, d22] = outs;
  const d1 = h.first[1];
  secondDifference(d00, f, line, line + n2, S0, c[0], c[1], c[2], c[3]);
  rowTaps(d11, 0, f, line, line + n2, h.second[1], q, S1);
  // ∂/∂x_1 (its row q) of ∂/∂x_0 at the rows it reads.
  d01.fill(d1.bias[q], line, line + n2);
  for (let k = 0; k < d1.width; k++) {
    const w = d1.weights[q * d1.width + k];
    if (w !== 0) addFirstAcross(d01, f, line, line + n2, (column(d1, q, k) - q) * S1, w, c[4], c[5], c[6], S0);
  }
  for (let a = line + lo[2]; a < line + hi[2]; a += BLOCK) {
    const z = Math.min(a + BLOCK, line + hi[2]);
    secondDifference(d22, f, a, z, 1, c[14], c[15], c[16], c[17]);
    firstAcross(d02, f, a, z, S0, c[4], c[5], c[6], c[18], c[19], c[20]);
    rowTaps(V, a - 1, f, a - 1, z + 1, d1, q, S1);
    acrossLine(d12, V, a, a, z, c[18], c[19], c[20]);
  }
  for (let col = 0; col < lo[2]; col++) lineEnd(h, f, outs, line, q, col, false);
  for (let col = hi[2]; col < n2; col++) lineEnd(h, f, outs, line, q, col, false);
}

/**
 * The last axis's three results at row q, column col (a line end): by the last axis's operators' row col,
 * of ∂/∂x_1 by its interior row (`interiorRow`) or by its row q.
 */
// biome-ignore format: the arguments in a line
function lineEnd(h: FusedHessian3d, f: ArrayLike<number>, outs: readonly Float64Array[], line: number, q: number, col: number, interiorRow: boolean): void {
  outs[5][line + col] = rowOn(h.second[2], col, f, line + col, 1);
  lastAxisMixed(h, f, outs, line, q, col, interiorRow);
}

/** out[p − o] = rowOn(op, i, f, p, s) for p from p0 to p1: the row's bias, then its taps one at a time. */
// biome-ignore format: the row's arguments together
function rowTaps(out: Float64Array, o: number, f: ArrayLike<number>, p0: number, p1: number, op: AxisOperator, i: number, s: number): void {
  out.fill(op.bias[i], p0 - o, p1 - o);
  for (let k = 0; k < op.width; k++) {
    const w = op.weights[i * op.width + k];
    if (w === 0) continue;
    const shift = (column(op, i, k) - i) * s + o;
    for (let j = p0 - o, z = p1 - o; j < z; j++) out[j] += w * f[j + shift];
  }
}

/** out[p] += w · (b + u0·f[p + shift − S0] + u1·f[p + shift + S0]) for p from p0 to p1: a tap of ∂/∂x_0 at p + shift. */
// biome-ignore format: the weights in a line
function addFirstAcross(out: Float64Array, f: ArrayLike<number>, p0: number, p1: number, shift: number, w: number, b: number, u0: number, u1: number, S0: number): void {
  const lo = shift - S0,
    hi = shift + S0;
  for (let p = p0; p < p1; p++) out[p] += w * (b + u0 * f[p + lo] + u1 * f[p + hi]);
}
