import { type AxisPlan, isGhost, type Plan, type Side } from '../plan.js';
import { elementAddress, type StridedView } from '../view.js';

/**
 * The float64 reference, line by line, for what numpy.gradient has no formula of its own for: ghost
 * boundary modes, gaps (`invalid: 'skip'`) and strided views. Each line along an axis is gathered into a
 * scratch row (a view's elements through its strides, masked points as NaN), differentiated in one
 * dimension by numpy's own stencils (`kernel`, the same code as contiguous arrays) and scattered back.
 * The contracts, which the GPU kernels meet too (shaders/general.wgsl):
 * - a ghost side extends the line by ghost values and coordinates (x[−k] = 2·x[0] − x[k]); every point on
 *   it then takes the interior stencil, so an 'edge' side keeps only numpy's one-sided values;
 * - with 'skip', each maximal run of finite, unmasked points is differentiated as numpy.gradient would
 *   differentiate the run alone (edge order lowered to 1 for a run of two), the axis's modes applying at
 *   the array's own ends and a run wrapping on a periodic axis; invalid points and runs of one give NaN.
 */

/** The values a CPU reference reads: a flat C-order array, or a strided view. */
export type Values = ArrayLike<number> | StridedView;

/** A 1-D derivative of `f` (one line, outer = inner = 1) into `out`: numpy's stencils for edge and periodic sides. */
export type LineKernel = (f: ArrayLike<number>, ax: AxisPlan, plan: Plan, out: Float64Array) => void;

export function isView(f: Values): f is StridedView {
  return (f as StridedView).strides !== undefined && (f as StridedView).shape !== undefined && !ArrayBuffer.isView(f);
}

/**
 * Whether an axis needs the line path: gaps, a strided view to read, or a ghost side on an axis shorter
 * than numpy's own stencils need (edgeOrder + 1 points). Other ghost sides take the contiguous loops, which
 * compute numpy's stencils and then the ghost ends (gradient.ts ghostEnds, derived.ts endTerms).
 */
export function needsLines(f: Values, ax: AxisPlan, plan: Plan): boolean {
  return plan.skip || isView(f) || shortGhost(ax, plan);
}

/** A ghost side on an axis shorter than numpy's own one-sided stencils need (edgeOrder + 1 points). */
function shortGhost(ax: AxisPlan, plan: Plan): boolean {
  return (isGhost(ax.lo) || isGhost(ax.hi)) && ax.n < plan.edgeOrder + 1;
}

/**
 * Whether 'skip' on this axis takes the contiguous loops and then the gaps' points (gaps.ts fixGaps): flat
 * data, and an axis the loops take without gaps.
 */
export function gapsInLoops(f: Values, ax: AxisPlan, plan: Plan): boolean {
  return plan.skip && !isView(f) && !shortGhost(ax, plan);
}

/** Whether a plan's every axis takes the numpy-stencil loops (gradient.ts), so that it can be computed slab by slab (gradientSlabs); not on a grid. */
export function isPartable(values: Values, plan: Plan): boolean {
  return plan.grid === null && plan.size > 0 && plan.axes.every((ax) => isDirect(values, ax, plan));
}

/** Whether the numpy-stencil loops (gradient.ts directGradient) take this axis whole or in parts: contiguous data, central differences, no gaps (needsLines). */
export function isDirect(f: Values, ax: AxisPlan, plan: Plan): boolean {
  return plan.operator === 'central' && !needsLines(f, ax, plan);
}

const EDGE: Side = { mode: 'edge', cval: 0 };

/**
 * Calls `line(values, result)` for every line of `f` along `ax` and writes (or, with `add`, adds) each
 * result into `out` (C order). Masked points (plan.mask) are gathered as NaN.
 */
export function forEachLine(
  f: Values,
  ax: AxisPlan,
  plan: Plan,
  out: Float64Array,
  add: boolean,
  line: (values: Float64Array, result: Float64Array) => void,
): void {
  const { n, outer, inner } = ax;
  const values = new Float64Array(n);
  const result = new Float64Array(n);
  const view = isView(f) ? f : null;
  const axisStride = view ? view.strides[ax.axis] : inner;
  const mask = plan.mask;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j; // C-order index of the line's first element
      const at = view ? elementAddress(view, base) : base;
      const data = view ? (view.data as ArrayLike<number>) : (f as ArrayLike<number>);
      for (let i = 0; i < n; i++) values[i] = data[at + i * axisStride];
      if (mask) for (let i = 0; i < n; i++) if (!mask[base + i * inner]) values[i] = Number.NaN;
      line(values, result);
      if (add) for (let i = 0; i < n; i++) out[base + i * inner] += result[i];
      else for (let i = 0; i < n; i++) out[base + i * inner] = result[i];
    }
  }
}

/** The derivative along `ax` of every line of `f`, by the contracts above, into `out`. */
export function lineGradient(f: Values, ax: AxisPlan, plan: Plan, out: Float64Array, kernel: LineKernel): void {
  forEachLine(f, ax, plan, out, false, (values, result) => {
    if (plan.skip) runsOfLine(values, result, ax, plan, kernel);
    else segment(values, result, lineAxis(values.length, ax.step, ax.dx, ax.lo, ax.hi), plan, plan.edgeOrder, kernel);
  });
}

/** A 1-D axis of n points with these steps and sides. */
function lineAxis(n: number, step: number | null, dx: Float64Array | null, lo: Side, hi: Side): AxisPlan {
  return { axis: 0, n, outer: 1, inner: 1, step, dx, periodic: lo.mode === 'periodic', lo, hi };
}

/**
 * One segment (a whole line, or a run of valid points) differentiated alone: numpy's stencils where both
 * sides are 'edge' or periodic; otherwise the line extended by ghost values and coordinates, the interior
 * stencil at every point, and numpy's one-sided values kept on an 'edge' side.
 */
function segment(values: Float64Array, result: Float64Array, ax: AxisPlan, plan: Plan, edgeOrder: 1 | 2, kernel: LineKernel): void {
  const linePlan: Plan = { ...plan, edgeOrder, skip: false, mask: null, shape: [ax.n], size: ax.n, axes: [ax] };
  if (!isGhost(ax.lo) && !isGhost(ax.hi)) {
    kernel(values, ax, linePlan, result);
    return;
  }
  const n = ax.n;
  const R = plan.accuracy === 4 ? 2 : 1;
  const ext = new Float64Array(n + 2 * R);
  ext.set(values, R);
  for (let m = 1; m <= R; m++) {
    ext[R - m] = ghostAt(values, ax.lo, m, 0, 1);
    ext[R + n - 1 + m] = ghostAt(values, ax.hi, m, n - 1, -1);
  }
  let dx: Float64Array | null = null;
  if (ax.dx !== null) {
    // Reflected coordinates: the steps before x[0] repeat the first steps, mirrored (R = 1: accuracy 4 takes no coordinates).
    dx = new Float64Array(n + 1);
    dx.set(ax.dx, 1);
    dx[0] = ax.dx[0];
    dx[n] = ax.dx[n - 2];
  }
  const extAxis = lineAxis(n + 2 * R, ax.step, dx, EDGE, EDGE);
  const extResult = new Float64Array(n + 2 * R);
  kernel(ext, extAxis, { ...linePlan, shape: [n + 2 * R], size: n + 2 * R, axes: [extAxis] }, extResult);
  result.set(extResult.subarray(R, R + n));
  if (ax.lo.mode === 'edge' || ax.hi.mode === 'edge') {
    const plain = new Float64Array(n);
    const plainAxis = lineAxis(n, ax.step, ax.dx, EDGE, EDGE);
    kernel(values, plainAxis, { ...linePlan, axes: [plainAxis] }, plain);
    for (let r = 0; r < R; r++) {
      if (ax.lo.mode === 'edge') result[r] = plain[r];
      if (ax.hi.mode === 'edge') result[n - 1 - r] = plain[n - 1 - r];
    }
  }
}

/**
 * The m-th ghost value (m ≥ 1) beyond the end of a line whose end element is f[end], the line going on
 * inwards by `inward` (1 or the axis's stride at the low end, their negatives at the high end).
 */
export function ghostAt(f: ArrayLike<number>, side: Side, m: number, end: number, inward: number): number {
  switch (side.mode) {
    case 'nearest':
      return f[end];
    case 'mirror':
      return f[end + m * inward];
    case 'reflect':
      return f[end + (m - 1) * inward];
    case 'constant':
      return side.cval;
    default:
      return 0; // an 'edge' side: never read
  }
}

/**
 * 'skip' on one line: each maximal run of finite values differentiated alone (segment), NaN elsewhere.
 * On a periodic axis a line with no gap is periodic; otherwise runs are followed around the end.
 */
function runsOfLine(values: Float64Array, result: Float64Array, ax: AxisPlan, plan: Plan, kernel: LineKernel): void {
  const n = values.length;
  result.fill(Number.NaN);
  const valid = (i: number) => Number.isFinite(values[i]);
  const firstGap = values.findIndex((v) => !Number.isFinite(v));
  if (firstGap < 0 && ax.periodic) {
    segment(values, result, lineAxis(n, ax.step, ax.dx, ax.lo, ax.hi), plan, plan.edgeOrder, kernel);
    return;
  }
  // Non-periodic: runs in [0, n). Periodic: start right after a gap and go once around.
  const start = ax.periodic ? firstGap + 1 : 0;
  let t = 0;
  while (t < n) {
    const a = (start + t) % n;
    if (!valid(a)) {
      t++;
      continue;
    }
    let L = 1;
    while (t + L < n && valid((start + t + L) % n)) L++;
    const index = (k: number) => (a + k) % n;
    if (L >= 2) {
      const run = Float64Array.from({ length: L }, (_, k) => values[index(k)]);
      const dx = ax.dx === null ? null : Float64Array.from({ length: L - 1 }, (_, k) => ax.dx![index(k)]);
      const lo = !ax.periodic && a === 0 ? ax.lo : EDGE;
      const hi = !ax.periodic && a + L === n ? ax.hi : EDGE;
      const runResult = new Float64Array(L);
      segment(run, runResult, lineAxis(L, ax.step, dx, lo, hi), plan, L === 2 ? 1 : plan.edgeOrder, kernel);
      for (let k = 0; k < L; k++) result[index(k)] = runResult[k];
    }
    t += L;
  }
}
