import type { AxisOperator, Program } from '../derivatives.js';
import { sameRow, wraps } from './runs.js';
import { MAX_INDEX, SKEW } from './unroll.js';

/**
 * The 2-D Hessian's interior in one pass, for the CPU reference (derivatives.ts programRows): where its
 * three operators' interior runs are the three-point second differences and the two-point first
 * differences of second-order accuracy on uniform steps (or the five- and four-point ones of fourth
 * order), one loop computes ∂²f/∂x_0², ∂²f/∂x_0∂x_1 and ∂²f/∂x_1² at once, the mixed partial's
 * intermediate (∂f/∂x_0 at the next columns) rotated through locals. Fourth order, 2048² into `out`:
 * 0.67–0.75× the passes, 512² 0.75–0.79× (bench/NOTES.md, sixteenth session).
 * Each value is the expression the operators' passes evaluate, on the same values, in the same order, so
 * the bits are theirs; the columns where an operator along the last axis takes an edge row are recomputed
 * from the operators' rows, and the rows where one along the first axis does are left to the passes.
 *
 * On the 2-core VM of bench/NOTES.md (fifteenth session), the 2048² Hessian into `out`: 16.6–16.8 ms against
 * 26.1–26.4 by the passes, alternating; a bare loop of the four passes against this one with the same
 * runtime weights, 28.7–30.6 against 12.4–14.8 (scratch/hess-fused2.mjs).
 */

/** What the fused pass reads of a 2-D Hessian's program (fusedHessian2d). */
export interface FusedHessian2d {
  readonly dims: 2;
  readonly n0: number;
  readonly n1: number;
  /** Per axis, positions lo..hi where every operator along it takes its interior rows (as FusedHessian3d). */
  readonly lo: readonly [number, number];
  readonly hi: readonly [number, number];
  /** The operators' interior rows: ∂²/∂x_0², ∂/∂x_0 (the mixed partial's first factor), ∂²/∂x_1², ∂/∂x_1 (its second). */
  readonly xx: Interior;
  readonly x: Interior;
  readonly yy: Interior;
  readonly y: Interior;
  /** The interior taps' reach: 1 (second-order accuracy) or 2 (fourth). */
  readonly reach: 1 | 2;
  /** The operators along the last axis, whose rows give the line ends. */
  readonly yyOp: AxisOperator;
  readonly yOp: AxisOperator;
}

/** Rows from..to of an operator that share its middle row's bias and taps, the non-zero weights in order. */
export interface Interior {
  readonly from: number;
  readonly to: number;
  readonly bias: number;
  readonly weights: readonly number[];
  /** Each weight's offset from the row (its column − the row), in order. */
  readonly offsets: readonly number[];
}

/** `describe` remembered per program object: a call's parts (cpu/parts.ts) share one program, described once. */
export function perProgram<T>(describe: (program: Program) => T | null): (program: Program) => T | null {
  const described = new WeakMap<Program, T | null>();
  return (program) => {
    const found = described.get(program);
    if (found !== undefined) return found;
    const made = describe(program);
    described.set(program, made);
    return made;
  };
}

/**
 * The fused pass for a program that is a 2-D Hessian over array axes 0 and 1 in that order — outputs
 * [∂²/∂x_0²], [∂/∂x_0 then ∂/∂x_1], [∂²/∂x_1²] of one input — whose interior runs have the taps
 * (−1, 0, +1) and (−1, +1), or (−2 … +2) and (−2, −1, +1, +2); else null (accuracies 6 and 8, uneven
 * coordinates, other programs).
 */
export const fusedHessian2d = perProgram(describe);

function describe(program: Program): FusedHessian2d | null {
  const { plan, outputs } = program;
  if (plan.shape.length !== 2 || program.inputs !== 1 || outputs.length !== 3) return null;
  // Its loops mask their indices to 30 bits (unroll.ts): beyond, the operators' passes run.
  if (plan.size > MAX_INDEX) return null;
  if (!outputs.every((terms) => terms.length === 1 && terms[0].component === 0)) return null;
  const [pure0, mixed, pure1] = outputs.map((terms) => terms[0].factors);
  if (pure0.length !== 1 || mixed.length !== 2 || pure1.length !== 1) return null;
  const axes = [pure0[0], mixed[0], pure1[0], mixed[1]].map((f) => f.axis.axis);
  if (axes.join() !== '0,0,1,1') return null;
  const ops = [pure0[0], mixed[0], pure1[0], mixed[1]].map((f) => f.op);
  // Second-order accuracy (three and two taps) or fourth (five and four).
  const reach = interior(ops[0], 3) ? 1 : 2;
  const [xx, x, yy, y] = ops.map((op, k) => interior(op, ((k % 2 === 0 ? 3 : 2) + 2 * (reach - 1)) as Taps));
  if (!xx || !x || !yy || !y) return null;
  const [n0, n1] = plan.shape;
  const r0 = Math.max(xx.from, x.from, reach),
    r1 = Math.min(xx.to, x.to, n0 - reach);
  const c0 = Math.max(yy.from, y.from, reach),
    c1 = Math.min(yy.to, y.to, n1 - reach);
  if (r0 >= r1 || c0 >= c1) return null;
  return { dims: 2, n0, n1, lo: [r0, c0], hi: [r1, c1], xx, x, yy, y, reach, yyOp: ops[2], yOp: ops[3] };
}

/** The interior taps a fused Hessian takes: second differences of three or five points, first of two or four. */
type Taps = 2 | 3 | 4 | 5;
const OFFSETS: Readonly<Record<Taps, string>> = { 2: '-1,1', 3: '-1,0,1', 4: '-2,-1,1,2', 5: '-2,-1,0,1,2' };

/**
 * The rows around the operator's middle one that share its bias and taps (runs.ts sameRow), if its
 * non-zero taps are at the offsets of `taps` (OFFSETS: −1, 0, +1 for three, −1, +1 for two, and the
 * fourth-order ones) and it does not wrap.
 */
export function interior(op: AxisOperator, taps: Taps): Interior | null {
  const { n, width, start, weights } = op;
  const i = n >> 1;
  if (n < 3 || wraps(op, i)) return null;
  const offsets: number[] = [];
  const w: number[] = [];
  for (let k = 0; k < width; k++) {
    const weight = weights[i * width + k];
    if (weight === 0) continue;
    offsets.push(start[i] + k - i);
    w.push(weight);
  }
  if (offsets.join() !== OFFSETS[taps]) return null;
  let from = i,
    to = i + 1;
  while (from > 0 && sameRow(op, i, from - 1)) from--;
  while (to < n && sameRow(op, i, to)) to++;
  return { from, to, bias: op.bias[i], weights: w, offsets };
}

/**
 * The three results at rows a..z of the fused pass's rows lo[0]..hi[0] (the caller computes the others by
 * the operators' passes): one loop over the rows' interior columns and the line ends between them, then
 * the columns outside lo[1]..hi[1] of every row recomputed from the operators' rows.
 */
export function hessianRows(h: FusedHessian2d, f: ArrayLike<number>, outs: readonly Float64Array[], a: number, z: number): void {
  const ra = Math.max(a, h.lo[0]),
    rz = Math.min(z, h.hi[0]);
  if (ra >= rz) return;
  const [dxx, dxy, dyy] = outs;
  const { n1: W, xx, x, yy, y } = h;
  const first = ra * W + h.lo[1],
    last = (rz - 1) * W + h.hi[1];
  if (h.reach === 2) interiorLoop4(f, dxx, dxy, dyy, first, last, W, h);
  // biome-ignore format: one result's run a line
  else interiorLoop(f, dxx, dxy, dyy, first, last, W,
    xx.bias, xx.weights[0], xx.weights[1], xx.weights[2],
    x.bias, x.weights[0], x.weights[1],
    yy.bias, yy.weights[0], yy.weights[1], yy.weights[2],
    y.bias, y.weights[0], y.weights[1]);
  for (let r = ra; r < rz; r++) {
    for (let c = 0; c < h.lo[1]; c++) lineEnd(h, f, dxx, dxy, dyy, r, c);
    for (let c = h.hi[1]; c < W; c++) lineEnd(h, f, dxx, dxy, dyy, r, c);
  }
}

/**
 * p from first to last: ∂²/∂x_0² and ∂²/∂x_1² from their three taps, ∂/∂x_1 of ∂/∂x_0 from the first
 * factor's values at p − 1 and p + 1, each computed once as the loop moves on (sl, sc, sr). Across a line's
 * end the last-axis results are wrong, and lineEnd rewrites them. Four points an iteration, the indices
 * masked (unroll.ts), and the outputs skewed as fused.ts's three-axis loop: ∂²/∂x_0² at p + 2·SKEW and
 * ∂²/∂x_1² at p + SKEW while the mixed one is at p. 2048², six sets of outputs allocated one after another
 * in one process: 21.8–40.3 ms by set before, 23.7–25.9 skewed (bench/NOTES.md, nineteenth session).
 */
// biome-ignore format: the runs' numbers in groups
function interiorLoop(f: ArrayLike<number>, dxx: Float64Array, dxy: Float64Array, dyy: Float64Array, first: number, last: number, W: number,
  xb: number, x0: number, x1: number, x2: number, sb: number, s0: number, s1: number,
  yb: number, y0: number, y1: number, y2: number, cb: number, c0: number, c1: number): void {
  const a = first & 0x3fffffff, b = last & 0x3fffffff, w = W & 0x3fffffff;
  let sl = sb + s0 * f[a - 1 - w] + s1 * f[a - 1 + w];
  let sc = sb + s0 * f[a - w] + s1 * f[a + w];
  let r = a;
  if (b - a <= 2 * SKEW) {
    for (; r < b; r++) {
      dxx[r] = xb + x0 * f[r - w] + x1 * f[r] + x2 * f[r + w];
      dyy[r] = yb + y0 * f[r - 1] + y1 * f[r] + y2 * f[r + 1];
      const sr = sb + s0 * f[r + 1 - w] + s1 * f[r + 1 + w];
      dxy[r] = cb + c0 * sl + c1 * sr;
      sl = sc;
      sc = sr;
    }
    return;
  }
  for (let p = a; p < a + 72; p++) dxx[p] = xb + x0 * f[p - w] + x1 * f[p] + x2 * f[p + w];
  for (let p = a + 72, o = a; p < a + 144; p++, o++) {
    dxx[p] = xb + x0 * f[p - w] + x1 * f[p] + x2 * f[p + w];
    dyy[o] = yb + y0 * f[o - 1] + y1 * f[o] + y2 * f[o + 1];
  }
  r = interiorMain(f, dxx, dxy, dyy, r, b, w, xb, x0, x1, x2, sb, s0, s1, yb, y0, y1, y2, cb, c0, c1, sl, sc);
  // The first factor at r − 1 and r, computed again (the same expression, the same value).
  sl = sb + s0 * f[r - 1 - w] + s1 * f[r - 1 + w];
  sc = sb + s0 * f[r - w] + s1 * f[r + w];
  for (; r < b - 72; r++) {
    dyy[r + 72] = yb + y0 * f[r + 71] + y1 * f[r + 72] + y2 * f[r + 73];
    const sr = sb + s0 * f[r + 1 - w] + s1 * f[r + 1 + w];
    dxy[r] = cb + c0 * sl + c1 * sr;
    sl = sc;
    sc = sr;
  }
  for (; r < b; r++) {
    const sr = sb + s0 * f[r + 1 - w] + s1 * f[r + 1 + w];
    dxy[r] = cb + c0 * sl + c1 * sr;
    sl = sc;
    sc = sr;
  }
}

/**
 * interiorLoop's unrolled part, from r: returns where it stopped (the caller computes the carried first
 * factors there again). A function of its own, so that no code follows its loop once V8 compiles it on
 * stack replacement (unroll.ts): a store after it had deoptimised there too.
 */
// biome-ignore format: the runs' numbers in groups
function interiorMain(f: ArrayLike<number>, dxx: Float64Array, dxy: Float64Array, dyy: Float64Array, r0: number, b: number, w: number,
  xb: number, x0: number, x1: number, x2: number, sb: number, s0: number, s1: number,
  yb: number, y0: number, y1: number, y2: number, cb: number, c0: number, c1: number, sl0: number, sc0: number): number {
  let r = r0, sl = sl0, sc = sc0;
  for (const head = r + ((b - 144 - r) & 3); r < head && r < b - 144; r++) {
    dxx[r + 144] = xb + x0 * f[r + 144 - w] + x1 * f[r + 144] + x2 * f[r + 144 + w];
    dyy[r + 72] = yb + y0 * f[r + 71] + y1 * f[r + 72] + y2 * f[r + 73];
    const sr = sb + s0 * f[r + 1 - w] + s1 * f[r + 1 + w];
    dxy[r] = cb + c0 * sl + c1 * sr;
    sl = sc;
    sc = sr;
  }
  for (; r < b - 144; r += 4) {
    dxx[r + 144] = xb + x0 * f[r + 144 - w] + x1 * f[r + 144] + x2 * f[r + 144 + w];
    dyy[r + 72] = yb + y0 * f[r + 71] + y1 * f[r + 72] + y2 * f[r + 73];
    const m0 = sb + s0 * f[r + 1 - w] + s1 * f[r + 1 + w];
    dxy[r] = cb + c0 * sl + c1 * m0;
    dxx[r + 145] = xb + x0 * f[r + 145 - w] + x1 * f[r + 145] + x2 * f[r + 145 + w];
    dyy[r + 73] = yb + y0 * f[r + 72] + y1 * f[r + 73] + y2 * f[r + 74];
    const m1 = sb + s0 * f[r + 2 - w] + s1 * f[r + 2 + w];
    dxy[r + 1] = cb + c0 * sc + c1 * m1;
    dxx[r + 146] = xb + x0 * f[r + 146 - w] + x1 * f[r + 146] + x2 * f[r + 146 + w];
    dyy[r + 74] = yb + y0 * f[r + 73] + y1 * f[r + 74] + y2 * f[r + 75];
    const m2 = sb + s0 * f[r + 3 - w] + s1 * f[r + 3 + w];
    dxy[r + 2] = cb + c0 * m0 + c1 * m2;
    dxx[r + 147] = xb + x0 * f[r + 147 - w] + x1 * f[r + 147] + x2 * f[r + 147 + w];
    dyy[r + 75] = yb + y0 * f[r + 74] + y1 * f[r + 75] + y2 * f[r + 76];
    const m3 = sb + s0 * f[r + 4 - w] + s1 * f[r + 4 + w];
    dxy[r + 3] = cb + c0 * m1 + c1 * m3;
    sl = m2;
    sc = m3;
  }
  return r;
}

/**
 * interiorLoop at fourth-order accuracy: ∂²/∂x_0² and ∂²/∂x_1² from their five taps, ∂/∂x_1 of ∂/∂x_0 from
 * the first factor's values at p − 2 … p + 2 (four taps across rows), each computed once as the loop moves
 * on. The weights are read into locals once; the sums are the passes' (bias, then the taps in order).
 * Four points an iteration, the indices masked (unroll.ts).
 */
// biome-ignore format: the arrays in a line
function interiorLoop4(f: ArrayLike<number>, dxx: Float64Array, dxy: Float64Array, dyy: Float64Array, first: number, last: number, W: number, h: FusedHessian2d): void {
  const [x0, x1, x2, x3, x4] = h.xx.weights;
  const [s0, s1, s2, s3] = h.x.weights;
  const [y0, y1, y2, y3, y4] = h.yy.weights;
  const [c0, c1, c2, c3] = h.y.weights;
  const xb = h.xx.bias,
    sb = h.x.bias,
    yb = h.yy.bias,
    cb = h.y.bias;
  const a = first & 0x3fffffff, b = last & 0x3fffffff, w = W & 0x3fffffff, w2 = (2 * W) & 0x3fffffff;
  // The first factor at columns p − 2, p − 1, p + 1 and p + 2 (at p it is not read).
  let q = a - 2;
  let sm2 = sb + s0 * f[q - w2] + s1 * f[q - w] + s2 * f[q + w] + s3 * f[q + w2];
  q = a - 1;
  let sm1 = sb + s0 * f[q - w2] + s1 * f[q - w] + s2 * f[q + w] + s3 * f[q + w2];
  q = a;
  let sc = sb + s0 * f[q - w2] + s1 * f[q - w] + s2 * f[q + w] + s3 * f[q + w2];
  q = a + 1;
  let sp1 = sb + s0 * f[q - w2] + s1 * f[q - w] + s2 * f[q + w] + s3 * f[q + w2];
  let p = a;
  for (const head = p + ((b - p) & 3); p < head && p < b; p++) {
    const fc = f[p];
    dxx[p] = xb + x0 * f[p - w2] + x1 * f[p - w] + x2 * fc + x3 * f[p + w] + x4 * f[p + w2];
    dyy[p] = yb + y0 * f[p - 2] + y1 * f[p - 1] + y2 * fc + y3 * f[p + 1] + y4 * f[p + 2];
    const r = p + 2;
    const sp2 = sb + s0 * f[r - w2] + s1 * f[r - w] + s2 * f[r + w] + s3 * f[r + w2];
    dxy[p] = cb + c0 * sm2 + c1 * sm1 + c2 * sp1 + c3 * sp2;
    sm2 = sm1;
    sm1 = sc;
    sc = sp1;
    sp1 = sp2;
  }
  for (; p < b; p += 4) {
    dxx[p] = xb + x0 * f[p - w2] + x1 * f[p - w] + x2 * f[p] + x3 * f[p + w] + x4 * f[p + w2];
    dyy[p] = yb + y0 * f[p - 2] + y1 * f[p - 1] + y2 * f[p] + y3 * f[p + 1] + y4 * f[p + 2];
    const t0 = sb + s0 * f[p + 2 - w2] + s1 * f[p + 2 - w] + s2 * f[p + 2 + w] + s3 * f[p + 2 + w2];
    dxy[p] = cb + c0 * sm2 + c1 * sm1 + c2 * sp1 + c3 * t0;
    dxx[p + 1] = xb + x0 * f[p + 1 - w2] + x1 * f[p + 1 - w] + x2 * f[p + 1] + x3 * f[p + 1 + w] + x4 * f[p + 1 + w2];
    dyy[p + 1] = yb + y0 * f[p - 1] + y1 * f[p] + y2 * f[p + 1] + y3 * f[p + 2] + y4 * f[p + 3];
    const t1 = sb + s0 * f[p + 3 - w2] + s1 * f[p + 3 - w] + s2 * f[p + 3 + w] + s3 * f[p + 3 + w2];
    dxy[p + 1] = cb + c0 * sm1 + c1 * sc + c2 * t0 + c3 * t1;
    dxx[p + 2] = xb + x0 * f[p + 2 - w2] + x1 * f[p + 2 - w] + x2 * f[p + 2] + x3 * f[p + 2 + w] + x4 * f[p + 2 + w2];
    dyy[p + 2] = yb + y0 * f[p] + y1 * f[p + 1] + y2 * f[p + 2] + y3 * f[p + 3] + y4 * f[p + 4];
    const t2 = sb + s0 * f[p + 4 - w2] + s1 * f[p + 4 - w] + s2 * f[p + 4 + w] + s3 * f[p + 4 + w2];
    dxy[p + 2] = cb + c0 * sc + c1 * sp1 + c2 * t1 + c3 * t2;
    dxx[p + 3] = xb + x0 * f[p + 3 - w2] + x1 * f[p + 3 - w] + x2 * f[p + 3] + x3 * f[p + 3 + w] + x4 * f[p + 3 + w2];
    dyy[p + 3] = yb + y0 * f[p + 1] + y1 * f[p + 2] + y2 * f[p + 3] + y3 * f[p + 4] + y4 * f[p + 5];
    const t3 = sb + s0 * f[p + 5 - w2] + s1 * f[p + 5 - w] + s2 * f[p + 5 + w] + s3 * f[p + 5 + w2];
    dxy[p + 3] = cb + c0 * sp1 + c1 * t0 + c2 * t2 + c3 * t3;
    sm2 = t0;
    sm1 = t1;
    sc = t2;
    sp1 = t3;
  }
}

/**
 * The three results at row r, column c: ∂²/∂x_0² by its interior row, the last axis's two by their
 * operators' row c as the passes apply a row (its non-zero weights in order, the columns wrapped when
 * periodic), the mixed partial's on the first factor's values at the columns it reads.
 */
// biome-ignore format: the outputs in a line
function lineEnd(h: FusedHessian2d, f: ArrayLike<number>, dxx: Float64Array, dxy: Float64Array, dyy: Float64Array, r: number, c: number): void {
  const W = h.n1;
  const base = r * W;
  const p = base + c;
  const { xx, x } = h;
  dxx[p] = tapsAt(xx, f, p, W);
  dyy[p] = rowOn(h.yyOp, c, f, p, 1);
  const y = h.yOp;
  let mixed = y.bias[c];
  for (let k = 0; k < y.width; k++) {
    const w = y.weights[c * y.width + k];
    if (w === 0) continue;
    mixed += w * tapsAt(x, f, base + column(y, c, k), W);
  }
  dxy[p] = mixed;
}

/** An interior row applied at p along the axis of stride s: its bias, then its taps in order (two and three written out). */
function tapsAt(row: Interior, f: ArrayLike<number>, p: number, s: number): number {
  const { weights: w, offsets: o } = row;
  if (w.length === 2) return row.bias + w[0] * f[p + o[0] * s] + w[1] * f[p + o[1] * s];
  if (w.length === 3) return row.bias + w[0] * f[p + o[0] * s] + w[1] * f[p + o[1] * s] + w[2] * f[p + o[2] * s];
  let sum = row.bias;
  for (let k = 0; k < w.length; k++) sum += w[k] * f[p + o[k] * s];
  return sum;
}

/** The operator's row i applied at p along the axis of stride s (its bias, then its non-zero weights in order; columns wrapped when periodic). */
export function rowOn(op: AxisOperator, i: number, f: ArrayLike<number>, p: number, s: number): number {
  let sum = op.bias[i];
  for (let k = 0; k < op.width; k++) {
    const w = op.weights[i * op.width + k];
    if (w !== 0) sum += w * f[p + (column(op, i, k) - i) * s];
  }
  return sum;
}

/** The column tap k of row c reads, wrapped on a periodic axis (as runs.ts and applyRows wrap it). */
export function column(op: AxisOperator, c: number, k: number): number {
  const { n, start } = op;
  const first = start[c];
  return wraps(op, c) ? (((first + k) % n) + n) % n : first + k;
}
