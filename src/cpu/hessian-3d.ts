import type { AxisOperator, Factor, Program } from '../derivatives.js';
import { column, interior, perProgram, rowOn } from './hessian-2d.js';

/**
 * The 3-D Hessian's interior in one pass, for the CPU reference (derivatives.ts programRows), as
 * hessian-2d.ts does for 2-D: where the operators' interior rows are the second-order three- and two-point
 * taps on uniform steps, one loop over a plane's rows computes the six second partials at once — the mixed
 * partials along the last axis from their first factors' values carried along the loop, ∂/∂x_1 of
 * ∂/∂x_0 from ∂/∂x_0 computed again at the rows either side. Each value is the expression the operators'
 * passes evaluate, on the same values, in the same order: the same bits. A plane's rows where an operator
 * along the middle axis takes an edge row, and its line ends, are computed line by line and point by point
 * from the operators' rows; planes where one along the first axis does are left to the passes.
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
    for (let q = lo[1]; q < hi[1]; q++) {
      for (let col = 0; col < lo[2]; col++) lineEnd(h, f, outs, plane, q, col);
      for (let col = hi[2]; col < n2; col++) lineEnd(h, f, outs, plane, q, col);
    }
    for (let q = 0; q < lo[1]; q++) face(h, f, outs, plane, q);
    for (let q = hi[1]; q < n1; q++) face(h, f, outs, plane, q);
  }
}

/**
 * p from first to last: the three second differences; ∂/∂x_2 of ∂/∂x_0 and of ∂/∂x_1 from the first
 * factors' values carried along (a*, b*); ∂/∂x_1 of ∂/∂x_0 from ∂/∂x_0 computed at p ± S1. Across a line's
 * end the last axis's results are wrong, and lineEnd rewrites them.
 */
// biome-ignore format: the outputs in a line
function interiorLoop(f: ArrayLike<number>, d00: Float64Array, d01: Float64Array, d02: Float64Array, d11: Float64Array, d12: Float64Array, d22: Float64Array, first: number, last: number, S0: number, S1: number, c: Float64Array): void {
  const [xb, x0, x1, x2, ub, u0, u1, yb, y0, y1, y2, vb, v0, v1, zb, z0, z1, z2, wb, w0, w1] = c;
  let al = ub + u0 * f[first - 1 - S0] + u1 * f[first - 1 + S0];
  let ac = ub + u0 * f[first - S0] + u1 * f[first + S0];
  let bl = vb + v0 * f[first - 1 - S1] + v1 * f[first - 1 + S1];
  let bc = vb + v0 * f[first - S1] + v1 * f[first + S1];
  for (let p = first; p < last; p++) {
    const fc = f[p];
    d00[p] = xb + x0 * f[p - S0] + x1 * fc + x2 * f[p + S0];
    d11[p] = yb + y0 * f[p - S1] + y1 * fc + y2 * f[p + S1];
    d22[p] = zb + z0 * f[p - 1] + z1 * fc + z2 * f[p + 1];
    const below = ub + u0 * f[p - S1 - S0] + u1 * f[p - S1 + S0];
    const above = ub + u0 * f[p + S1 - S0] + u1 * f[p + S1 + S0];
    d01[p] = vb + v0 * below + v1 * above;
    const ar = ub + u0 * f[p + 1 - S0] + u1 * f[p + 1 + S0];
    const br = vb + v0 * f[p + 1 - S1] + v1 * f[p + 1 + S1];
    d02[p] = wb + w0 * al + w1 * ar;
    d12[p] = wb + w0 * bl + w1 * br;
    al = ac;
    ac = ar;
    bl = bc;
    bc = br;
  }
}

/** ∂/∂x_0 at p (an interior plane): its interior row, as its pass computes it. */
function dx0(f: ArrayLike<number>, c: Float64Array, p: number, S0: number): number {
  return c[4] + c[5] * f[p - S0] + c[6] * f[p + S0];
}

/** The last axis's three results at row q (interior), column col of the plane: by the last axis's operators' row col. */
// biome-ignore format: the arguments in a line
function lineEnd(h: FusedHessian3d, f: ArrayLike<number>, outs: readonly Float64Array[], plane: number, q: number, col: number): void {
  const line = plane + q * h.n2;
  const p = line + col;
  outs[5][p] = rowOn(h.second[2], col, f, p, 1);
  lastAxisMixed(h, f, outs, line, q, col, true);
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

/** All six results along row q of the plane, a row where the middle axis's operators take an edge row. */
function face(h: FusedHessian3d, f: ArrayLike<number>, outs: readonly Float64Array[], plane: number, q: number): void {
  const { n1, n2, c } = h;
  const S0 = n1 * n2;
  const S1 = n2;
  const line = plane + q * S1;
  const [d00, d01, , d11, , d22] = outs;
  const [xb, x0, x1, x2] = c;
  const d1 = h.first[1];
  for (let col = 0; col < n2; col++) {
    const p = line + col;
    d00[p] = xb + x0 * f[p - S0] + x1 * f[p] + x2 * f[p + S0];
    d11[p] = rowOn(h.second[1], q, f, p, S1);
    // ∂/∂x_1 (its row q) of ∂/∂x_0 at the rows it reads.
    let mixed = d1.bias[q];
    for (let k = 0; k < d1.width; k++) {
      const w = d1.weights[q * d1.width + k];
      if (w !== 0) mixed += w * dx0(f, c, plane + column(d1, q, k) * S1 + col, S0);
    }
    d01[p] = mixed;
    d22[p] = rowOn(h.second[2], col, f, p, 1);
    lastAxisMixed(h, f, outs, line, q, col, false);
  }
}
