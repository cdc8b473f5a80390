import { checkComponentCount, checkLaplacian, type DerivedField } from '../components.js';
import type { DataInfo } from '../data.js';
import { type AxisPlan, makePlan, type Plan } from '../plan.js';
import { keepsPlan, PlanMemo } from '../plan-memo.js';
import type { GradientOptions, NumericArray } from '../types.js';
import type { NdarrayLike } from '../view.js';
import { type FusedPlan, fusedPlan } from './fused.js';
import { fusedSum, type Mode, type SumTerm } from './fused-sum.js';
import { directGradient, gapsAlongSlab, gapsSlab, gradientAlong, gradientSlabs, takesGaps } from './gradient.js';
import { gridResults } from './grid.js';
import { cpuComponents, cpuInput, cpuOut } from './input.js';
import { kernelInputs } from './kernel-input.js';
import { forEachLine, ghostAt, isPartable, needsLines, type Values } from './lines.js';
import { KeptScratch } from './scratch.js';
import { MAX_INDEX } from './unroll.js';
import { type AxisRange, scratchArrays, slabRange, slabRows, viewRows, windowable, windowData, windowRange, windowsOf } from './windows.js';

/**
 * Float64 references of the fused fields, composed from per-axis derivatives exactly as defined.
 * Axis convention: selected axis k is coordinate x_k, and component k of a vector field is its
 * x_k component (array axes, not x/y names).
 *
 * Three layers, each giving the same bits (every value the same expression, summed in the same order;
 * test/cpu-derived.test.ts checks it): on the plans the gradient's fused pass takes, one pass over the
 * inputs (fused-sum.ts); on the other contiguous plans, slab by slab (windows.ts), each slab's
 * derivatives into kept scratch while its rows are in cache, then combined into the result; elsewhere
 * (views, ghost sides, gaps, grids, a periodic or non-uniform first dimension outside the one-pass plans)
 * the composition axis by axis over whole arrays. The first two compute any range of the first
 * dimension's positions (fieldRows), which is how cpuWorkers' threads share a call (cpu/parts.ts).
 * Measured: docs/performance.md, "The fused fields on the CPU".
 */

/** Options of the CPU fused fields: the plan's options and `out`. */
export interface CpuFieldOptions extends GradientOptions {
  /**
   * Arrays to write the results into: one Float64Array (or a view of one) of the data's length — one per
   * component of a 3-D curl; they are returned (a view's data). Reusing them across calls avoids the cost
   * of fresh memory (page faults), which dominates large arrays.
   */
  out?: (Float64Array | NdarrayLike<Float64Array>)[];
}

/** Options the CPU field functions take besides the plan's. */
const CPU_KEYS = ['out'];

/** What a field's arguments are: one array or components, its own checks, its results and how `out` names them. */
interface FieldArguments {
  readonly components: boolean;
  check(plan: Plan, count: number): void;
  results(count: number): number;
  readonly what: string;
}

const single = () => 1;
const ARGUMENTS: Readonly<Record<DerivedField, FieldArguments>> = {
  magnitude: { components: false, check: () => {}, results: single, what: 'one, the magnitude' },
  divergence: {
    components: true,
    check: (plan, count) => checkComponentCount(plan, count, 'divergence'),
    results: single,
    what: 'one, the divergence',
  },
  laplacian: { components: false, check: (plan) => checkLaplacian(plan), results: single, what: 'one, the Laplacian' },
  curl: {
    components: true,
    check: (plan, count) => checkComponentCount(plan, count, 'curl'),
    results: (count) => (count === 2 ? 1 : 3),
    what: 'one per component of the curl',
  },
};

/** A field call's checked arguments: its plan, its inputs (before kernelInputs), their memory, and `out`'s count and name. */
export interface FieldCall {
  readonly plan: Plan;
  readonly values: Values[];
  readonly memory: NumericArray[];
  readonly results: number;
  readonly what: string;
}

/** Checks a field's arguments (the public functions' and cpuWorkers' methods'), refusing bad ones with a GradientError. */
export function fieldCall(field: DerivedField, data: unknown, options: CpuFieldOptions | undefined): FieldCall {
  const args = ARGUMENTS[field];
  let info: DataInfo, values: Values[], memory: NumericArray[];
  if (args.components) ({ info, values, memory } = cpuComponents(data));
  else {
    const one = cpuInput(data);
    info = one.info;
    values = [one.values];
    memory = [one.memory];
  }
  const plan = recentPlans.find(field, values.length, info, options) ?? checkedPlan(field, info, values.length, options);
  return { plan, values, memory, results: args.results(values.length), what: args.what };
}

/**
 * Plans of recent field calls (plan-memo.ts), as cpuGradient keeps its own: a call that repeats one's
 * arguments skips planning and the field's checks (passed when the plan was kept), and finds the plan's
 * fused pass (fused.ts, kept per plan) again. 64² magnitude into `out`: see bench/NOTES.md, twentieth session.
 */
const recentPlans = new PlanMemo<Plan>(CPU_KEYS);

/** A new plan, checked for the field, remembered where it may be. */
function checkedPlan(field: DerivedField, info: DataInfo, count: number, options: CpuFieldOptions | undefined): Plan {
  const plan = makePlan(info, options, CPU_KEYS);
  ARGUMENTS[field].check(plan, count);
  if (keepsPlan(plan)) recentPlans.remember(field, count, info, options, plan);
  return plan;
}

/** A field on the calling thread: checked, computed into `out` or fresh arrays, the caller's results returned. */
function computeField(field: DerivedField, data: unknown, options: CpuFieldOptions | undefined): Float64Array[] {
  return computeCall(field, fieldCall(field, data, options), options?.out);
}

/** A checked field call on the calling thread, into `out` (checked here) or fresh arrays; the caller's results. */
export function computeCall(field: DerivedField, call: FieldCall, out: CpuFieldOptions['out']): Float64Array[] {
  const results = cpuOut(out, call.results, call.plan.size, call.memory, call.what);
  fieldOf(field, kernelInputs(call.values), call.plan, results.arrays);
  return results.finish();
}

/** A field's float64 reference on a checked plan into `outs`, whichever layer takes it. */
export function fieldOf(field: DerivedField, inputs: readonly Values[], plan: Plan, outs: readonly Float64Array[]): void {
  if (field === 'magnitude') magnitudeOf(inputs[0], plan, outs[0]);
  else if (field === 'divergence') divergenceOf(inputs, plan, outs[0]);
  else if (field === 'laplacian') laplacianOf(inputs[0], plan, outs[0]);
  else curlOf(inputs, plan, outs);
}

/** √(Σ_k (∂f/∂x_k)²) over the selected axes. */
export function cpuGradientMagnitude(data: NumericArray | NdarrayLike, options?: CpuFieldOptions): Float64Array {
  return computeField('magnitude', data, options)[0];
}

/** Σ_k ∂v_k/∂x_k (summed in axis order from the first term): components[k] is differentiated along the k-th selected axis. */
export function cpuDivergence(components: readonly (NumericArray | NdarrayLike)[], options?: CpuFieldOptions): Float64Array {
  return computeField('divergence', components, options)[0];
}

/**
 * Curl over 2 or 3 selected axes (x_0, x_1[, x_2]) of components (v_0, v_1[, v_2]):
 * 2-D → [∂v_1/∂x_0 − ∂v_0/∂x_1]; 3-D → [∂v_2/∂x_1 − ∂v_1/∂x_2, ∂v_0/∂x_2 − ∂v_2/∂x_0, ∂v_1/∂x_0 − ∂v_0/∂x_1].
 */
export function cpuCurl(components: readonly (NumericArray | NdarrayLike)[], options?: CpuFieldOptions): Float64Array[] {
  return computeField('curl', components, options);
}

/**
 * Σ_k ∂²f/∂x_k² over the selected axes, in float64: the compact second difference
 * (f[i+1] − 2f[i] + f[i−1]) / h² inside; at an 'edge' side the second-order one-sided
 * (2f[0] − 5f[1] + 4f[2] − f[3]) / h², mirrored at the high end; wrapped when periodic; with a ghost
 * mode, the compact difference with the ghost value (scipy.ndimage.correlate1d with [1, −2, 1]/h²).
 * Uniform steps only.
 */
export function cpuLaplacian(data: NumericArray | NdarrayLike, options?: CpuFieldOptions): Float64Array {
  return computeField('laplacian', data, options)[0];
}

/**
 * How a field is computed by rows on a plan (fieldRows): its one-pass plan, 'slabs', 'gaps' (gaps to skip
 * in flat data), or null where none takes it (a grid, no selected axes, or the whole-array composition's
 * plans).
 */
export type RowForm = FusedPlan | 'slabs' | 'gaps' | null;

export function rowForm(field: DerivedField, inputs: readonly Values[], plan: Plan): RowForm {
  if (plan.grid || plan.axes.length === 0) return null;
  if (plan.skip) return field !== 'laplacian' && inputs.every((v) => takesGaps(v, plan)) ? 'gaps' : null;
  const fused = inputs.every((v) => isPartable(v, plan)) ? fusedPlan(plan) : null;
  // Three fourth-order terms of the magnitude in one loop measured slower than the slabs (128³ into `out`:
  // 19.6–20.1 ms against 16.9–17.1; 2048²'s two terms 19.5 against 22.3: scratch, fourteenth session).
  // Ghost sides: the sums of first derivatives take their stencils at the ends (fused-sum.ts ghostInto),
  // rather than the slabs: the magnitude with 'reflect' 0.58× / 0.68×, the curl with 'mirror' 0.49× /
  // 0.65× (1024² / 128³, six paired processes; bench/NOTES.md, twenty-first session). The Laplacian's
  // second differences take the slabs.
  const laplacianGhosts = field === 'laplacian' && fused?.ghosts === true;
  if (fused !== null && !laplacianGhosts && !(field === 'magnitude' && fused.accuracy === 4 && plan.axes.length > 2)) return fused;
  if (field === 'laplacian') return isPartable(inputs[0], plan) ? 'slabs' : null;
  return inputs.every((v) => windowable(v, plan)) ? 'slabs' : null;
}

/**
 * The field's results at positions `b0..b1` of the first dimension, by `form` (not null) from rowForm:
 * each element has the bits the whole call gives it, whichever range computes it.
 */
export function fieldRows(
  field: DerivedField,
  form: Exclude<RowForm, null>,
  inputs: readonly Values[],
  plan: Plan,
  outs: readonly Float64Array[],
  b0: number,
  b1: number,
  rows = slabRows(plan),
): void {
  if (form === 'gaps') {
    if (field === 'laplacian') throw new Error('unreachable: the Laplacian refuses gaps');
    WITH_GAPS[field](inputs as ArrayLike<number>[], plan, outs, b0, b1);
    return;
  }
  if (form === 'slabs') {
    SLABS[field](inputs, plan, outs, b0, b1, rows);
    return;
  }
  const { sums, mode } = ONE_PASS[field];
  const terms = sums(field === 'magnitude' || field === 'laplacian' ? plan.axes.length : inputs.length);
  for (let t = 0; t < terms.length; t++) fusedSum(inputs as ArrayLike<number>[], form, terms[t], outs[t], b0, b1, mode);
}

/** The whole field by rows (fieldRows) where rowForm takes the plan; false where it does not (the composition's plans). */
function byRows(field: DerivedField, inputs: readonly Values[], plan: Plan, outs: readonly Float64Array[], rows: number): boolean {
  const form = rowForm(field, inputs, plan);
  if (form === null) return false;
  fieldRows(field, form, inputs, plan, outs, 0, plan.shape[0], rows);
  return true;
}

/** Each field's sums in one pass (fused-sum.ts): per result, its terms; and what the sum is. */
const ONE_PASS: Readonly<Record<DerivedField, { sums(count: number): readonly (readonly SumTerm[])[]; mode: Mode }>> = {
  magnitude: { sums: (count) => [axisTerms(count)], mode: 'norm' },
  divergence: { sums: (count) => [divergenceTerms(count)], mode: 'sum' },
  laplacian: { sums: (count) => [axisTerms(count)], mode: 'laplacian' },
  curl: { sums: (count) => CURL_SUMS[count as 2 | 3], mode: 'sum' },
};

/** Each field slab by slab at positions b0..b1 of the first dimension (rowForm 'slabs'). */
type Slabs = (inputs: readonly Values[], plan: Plan, outs: readonly Float64Array[], b0: number, b1: number, rows: number) => void;
const SLABS: Readonly<Record<DerivedField, Slabs>> = {
  magnitude: ([data], plan, [out], b0, b1, rows) => {
    for (const w of windowsOf(plan, viewRows(rows, [data]), b0, b1)) {
      const d = scratchArrays(plan.axes.length, w.plan.size);
      gradientSlabs(windowData(data, w), w.plan, d, w.b0, w.b1);
      rootSumOfSquares(d, out, w.start, w.p0, w.p1);
    }
  },
  divergence: (list, plan, [out], b0, b1, rows) => {
    for (const w of windowsOf(plan, viewRows(rows, list), b0, b1)) {
      const [d] = scratchArrays(1, w.plan.size);
      const { p0, p1, start: o } = w;
      directGradient(windowData(list[0], w), w.plan.axes[0], w.plan, out.subarray(o, o + w.plan.size), windowRange(w, 0));
      for (let k = 1; k < list.length; k++) {
        directGradient(windowData(list[k], w), w.plan.axes[k], w.plan, d, windowRange(w, k));
        addInto(out, o, d, p0, p1);
      }
    }
  },
  laplacian: ([data], plan, [out], b0, b1, rows) => {
    // Every axis's terms added in axis order while the slab's rows are in cache.
    const f = data as ArrayLike<number>;
    const n0 = plan.shape[0],
      row = plan.size / n0;
    for (let a = b0; a < b1; a += rows) {
      const z = Math.min(b1, a + rows);
      // The slab written before terms are added into it: a fresh array's page read before it is written
      // faults twice (the zero page, then a copy on write). 2048², fresh result: 28.6–31.8 ms a call with
      // the fill, 38.0–38.7 without (scratch, fourteenth session). The divergence writes its first term.
      out.fill(0, a * row, z * row);
      for (const ax of plan.axes) secondDifferences(f, ax, out, slabRange(ax, n0, a, z));
    }
  },
  curl: (v, plan, outs, b0, b1, rows) => {
    const terms = CURL_TERMS[v.length as 2 | 3];
    for (const w of windowsOf(plan, viewRows(rows, v), b0, b1)) {
      const [d, e] = scratchArrays(2, w.plan.size);
      for (let t = 0; t < terms.length; t++) {
        const [a, i, b, j] = terms[t];
        directGradient(windowData(v[a], w), w.plan.axes[i], w.plan, d, windowRange(w, i));
        directGradient(windowData(v[b], w), w.plan.axes[j], w.plan, e, windowRange(w, j));
        differenceInto(outs[t], w.start, d, e, w.p0, w.p1);
      }
    }
  },
};

/** cpuGradientMagnitude on a plan (the registry's reference, operations.ts), into `out`. */
export function magnitudeOf(
  data: Values,
  plan: Plan,
  out: Float64Array = new Float64Array(plan.size),
  rows = slabRows(plan),
): Float64Array {
  if (plan.grid) {
    gridResults('magnitude', [data], plan, [out]);
    return out;
  }
  if (plan.axes.length === 0) return out.fill(0);
  if (byRows('magnitude', [data], plan, [out], rows)) return out;
  const d = composition.array(0, plan.size);
  gradientAlong(data, plan, 0, d);
  for (let i = 0; i < out.length; i++) out[i] = d[i] * d[i];
  for (let k = 1; k < plan.axes.length; k++) {
    gradientAlong(data, plan, k, d);
    for (let i = 0; i < out.length; i++) out[i] += d[i] * d[i];
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(out[i]);
  return out;
}

/**
 * The fields with gaps to skip at positions b0..b1 of the first dimension (rowForm 'gaps'), their terms in
 * kept arrays, summed over those rows in the order the compositions over whole arrays sum them: the
 * magnitude from every axis at once (gradient.ts gapsSlab: the gaps found once, the fused pass), the
 * divergence and the curl axis by axis (gapsAlongSlab).
 */
const WITH_GAPS: Readonly<
  Record<
    Exclude<DerivedField, 'laplacian'>,
    (v: ArrayLike<number>[], plan: Plan, outs: readonly Float64Array[], b0: number, b1: number) => void
  >
> = {
  magnitude(v, plan, outs, b0, b1) {
    const g = plan.axes.map((_, k) => composition.array(k, plan.size));
    gapsSlab(v[0], plan, g, b0, b1);
    const row = plan.size / plan.shape[0];
    rootSumOfSquares(g, outs[0], 0, b0 * row, b1 * row);
  },
  divergence(v, plan, outs, b0, b1) {
    const row = plan.size / plan.shape[0];
    gapsAlongSlab(v[0], plan, 0, outs[0], b0, b1);
    const d = composition.array(0, plan.size);
    for (let k = 1; k < v.length; k++) {
      gapsAlongSlab(v[k], plan, k, d, b0, b1);
      addInto(outs[0], 0, d, b0 * row, b1 * row);
    }
  },
  curl(v, plan, outs, b0, b1) {
    const row = plan.size / plan.shape[0];
    const e = composition.array(0, plan.size);
    const terms = CURL_TERMS[v.length as 2 | 3];
    for (let t = 0; t < terms.length; t++) {
      const [a, i, b, j] = terms[t];
      gapsAlongSlab(v[a], plan, i, outs[t], b0, b1);
      gapsAlongSlab(v[b], plan, j, e, b0, b1);
      differenceInto(outs[t], 0, outs[t], e, b0 * row, b1 * row);
    }
  },
};

/** √(Σ_k d_k²) at p0..p1 of the arrays d into out[o + p], the squares summed in axis order (as magnitudeOf's loops). */
function rootSumOfSquares(d: readonly Float64Array[], out: Float64Array, o: number, p0: number, p1: number): void {
  const [x, y, z] = d;
  if (d.length === 2) {
    for (let p = p0; p < p1; p++) out[o + p] = Math.sqrt(x[p] * x[p] + y[p] * y[p]);
    return;
  }
  if (d.length === 3) {
    for (let p = p0; p < p1; p++) out[o + p] = Math.sqrt(x[p] * x[p] + y[p] * y[p] + z[p] * z[p]);
    return;
  }
  for (let p = p0; p < p1; p++) out[o + p] = x[p] * x[p];
  for (let k = 1; k < d.length; k++) {
    const v = d[k];
    for (let p = p0; p < p1; p++) out[o + p] += v[p] * v[p];
  }
  for (let p = p0; p < p1; p++) out[o + p] = Math.sqrt(out[o + p]);
}

/** cpuDivergence on a plan, its component count checked (the registry's reference), into `out`. */
export function divergenceOf(
  list: readonly Values[],
  plan: Plan,
  out: Float64Array = new Float64Array(plan.size),
  rows = slabRows(plan),
): Float64Array {
  if (plan.grid) {
    gridResults('divergence', list, plan, [out]);
    return out;
  }
  if (byRows('divergence', list, plan, [out], rows)) return out;
  gradientAlong(list[0], plan, 0, out);
  const d = composition.array(0, plan.size);
  for (let k = 1; k < list.length; k++) {
    gradientAlong(list[k], plan, k, d);
    addInto(out, 0, d, 0, plan.size);
  }
  return out;
}

/**
 * The whole-array compositions' intermediate (one at a time), kept between calls: fresh memory is
 * page-faulted on first touch here, 2048²'s 32 MiB about as long as the gradient itself.
 */
const composition = new KeptScratch();

/** The magnitude's and the Laplacian's terms: the data along every selected axis in order, made once per count. */
const AXIS_TERMS: SumTerm[][] = [];
function axisTerms(count: number): readonly SumTerm[] {
  AXIS_TERMS[count] ??= Array.from({ length: count }, (_, k) => ({ input: 0, k, sign: 1 }));
  return AXIS_TERMS[count];
}

/** The divergence's terms: component k along selected axis k, made once per count. */
const DIVERGENCE_TERMS: SumTerm[][] = [];
function divergenceTerms(count: number): readonly SumTerm[] {
  DIVERGENCE_TERMS[count] ??= Array.from({ length: count }, (_, k) => ({ input: k, k, sign: 1 }));
  return DIVERGENCE_TERMS[count];
}

/** out[o + p] = d[p] − e[p] for p0 ≤ p < p1. */
function differenceInto(out: Float64Array, o: number, d: Float64Array, e: Float64Array, p0: number, p1: number): void {
  for (let p = p0; p < p1; p++) out[o + p] = d[p] - e[p];
}

/** out[o + p] += d[p] for p0 ≤ p < p1. */
function addInto(out: Float64Array, o: number, d: Float64Array, p0: number, p1: number): void {
  for (let p = p0; p < p1; p++) out[o + p] += d[p];
}

/** Each curl component ∂v_a/∂x_i − ∂v_b/∂x_j, written [a, i, b, j], of 2 and of 3 components. */
const CURL_TERMS = {
  2: [[1, 0, 0, 1]],
  3: [
    [2, 1, 1, 2],
    [0, 2, 2, 0],
    [1, 0, 0, 1],
  ],
} as const;

/** The same as sums of two terms, the second negated (fused-sum.ts). */
const CURL_SUMS = {
  2: CURL_TERMS[2].map(curlSum),
  3: CURL_TERMS[3].map(curlSum),
};
function curlSum([a, i, b, j]: readonly number[]): readonly SumTerm[] {
  return [
    { input: a, k: i, sign: 1 },
    { input: b, k: j, sign: -1 },
  ];
}

/** cpuCurl on a plan, its component count checked (the registry's reference), into `outs`. */
export function curlOf(
  v: readonly Values[],
  plan: Plan,
  outs: readonly Float64Array[] = (v.length === 2 ? [0] : [0, 1, 2]).map(() => new Float64Array(plan.size)),
  rows = slabRows(plan),
): Float64Array[] {
  if (plan.grid) {
    gridResults(v.length === 2 ? 'curl2' : 'curl3', v, plan, outs);
    return outs as Float64Array[];
  }
  if (byRows('curl', v, plan, outs, rows)) return outs as Float64Array[];
  const e = composition.array(0, plan.size);
  CURL_TERMS[v.length as 2 | 3].forEach(([a, i, b, j], t) => {
    gradientAlong(v[a], plan, i, outs[t]);
    gradientAlong(v[b], plan, j, e);
    differenceInto(outs[t], 0, outs[t], e, 0, plan.size);
  });
  return outs as Float64Array[];
}

/** cpuLaplacian on a plan that passed checkLaplacian (the registry's reference), into `out`. */
export function laplacianOf(
  data: Values,
  plan: Plan,
  out: Float64Array = new Float64Array(plan.size),
  rows = slabRows(plan),
): Float64Array {
  if (byRows('laplacian', [data], plan, [out], rows)) return out;
  out.fill(0);
  for (const ax of plan.axes) {
    if (needsLines(data, ax, plan)) {
      const scale = 1 / (ax.step! * ax.step!);
      forEachLine(data, ax, plan, out, true, (f, r) => secondDifference(f, ax, scale, r));
    } else secondDifferences(data as ArrayLike<number>, ax, out, { o0: 0, o1: ax.outer, i0: 0, i1: ax.n });
  }
  return out;
}

/**
 * The axis's second differences times 1/h², added into `out` at the lines and positions of `range`: the
 * compact stencil inside (wrapped on a periodic axis), the one-sided one at an 'edge' side.
 */
function secondDifferences(f: ArrayLike<number>, ax: AxisPlan, out: Float64Array, range: AxisRange): void {
  const { n, inner: s } = ax;
  const scale = 1 / (ax.step! * ax.step!);
  const { o0, o1, i0, i1 } = range;
  const first = Math.max(1, i0),
    last = Math.min(n - 1, i1); // interior positions [first, last)
  for (let o = o0; o < o1; o++) {
    const row = o * n * s;
    addSecondDifferences(f, s, scale, out, row + first * s, row + last * s);
    if (i0 === 0) endTerms(f, ax, out, row, 0, scale);
    if (i1 === n && n > 1) endTerms(f, ax, out, row, n - 1, scale);
  }
}

/** (f[p + s] − 2f[p] + f[p − s]) · scale added into out at p0..p1, unrolled and masked (unroll.ts). */
function addSecondDifferences(f: ArrayLike<number>, s: number, scale: number, out: Float64Array, p0: number, p1: number): void {
  if (p1 + s > MAX_INDEX) {
    for (let p = p0; p < p1; p++) out[p] += (f[p + s] - 2 * f[p] + f[p - s]) * scale;
    return;
  }
  const a = p0 & 0x3fffffff,
    b = p1 & 0x3fffffff,
    t = s & 0x3fffffff;
  let p = a;
  for (const head = p + ((b - p) & 7); p < head && p < b; p++) out[p] += (f[p + t] - 2 * f[p] + f[p - t]) * scale;
  for (; p < b; p += 8) {
    out[p] += (f[p + t] - 2 * f[p] + f[p - t]) * scale;
    out[p + 1] += (f[p + 1 + t] - 2 * f[p + 1] + f[p + 1 - t]) * scale;
    out[p + 2] += (f[p + 2 + t] - 2 * f[p + 2] + f[p + 2 - t]) * scale;
    out[p + 3] += (f[p + 3 + t] - 2 * f[p + 3] + f[p + 3 - t]) * scale;
    out[p + 4] += (f[p + 4 + t] - 2 * f[p + 4] + f[p + 4 - t]) * scale;
    out[p + 5] += (f[p + 5 + t] - 2 * f[p + 5] + f[p + 5 - t]) * scale;
    out[p + 6] += (f[p + 6 + t] - 2 * f[p + 6] + f[p + 6 - t]) * scale;
    out[p + 7] += (f[p + 7 + t] - 2 * f[p + 7] + f[p + 7 - t]) * scale;
  }
}

/**
 * The terms of position i (0 or n − 1) of the line starting at `row`: wrapped, one-sided at an 'edge'
 * side, or the compact difference with the ghost value at a ghost side (as secondDifference's lines).
 */
function endTerms(f: ArrayLike<number>, ax: AxisPlan, out: Float64Array, row: number, i: number, scale: number): void {
  const { n, inner: s } = ax;
  const e = row + i * s;
  const side = i === 0 ? ax.lo : ax.hi;
  if (ax.periodic) {
    const up = i + 1 < n ? s : -(n - 1) * s,
      dn = i > 0 ? -s : (n - 1) * s;
    for (let p = e; p < e + s; p++) out[p] += (f[p + up] - 2 * f[p] + f[p + dn]) * scale;
  } else if (side.mode === 'edge') {
    const d = i === 0 ? s : -s;
    for (let p = e; p < e + s; p++) out[p] += (2 * f[p] - 5 * f[p + d] + 4 * f[p + 2 * d] - f[p + 3 * d]) * scale;
  } else if (i === 0) for (let p = e; p < e + s; p++) out[p] += (f[p + s] - 2 * f[p] + ghostAt(f, side, 1, p, s)) * scale;
  else for (let p = e; p < e + s; p++) out[p] += (ghostAt(f, side, 1, p, -s) - 2 * f[p] + f[p - s]) * scale;
}

/** One line's second difference (times `scale`) into r, with the axis's sides: the per-line form of laplacianOf. */
function secondDifference(f: Float64Array, ax: Plan['axes'][number], scale: number, r: Float64Array): void {
  const n = f.length;
  const at = (i: number): number => {
    if (i >= 0 && i < n) return f[i];
    if (ax.periodic) return f[(i + n) % n];
    return i < 0 ? ghostAt(f, ax.lo, -i, 0, 1) : ghostAt(f, ax.hi, i - n + 1, n - 1, -1);
  };
  for (let i = 0; i < n; i++) {
    const edge = (i === 0 && ax.lo.mode === 'edge') || (i === n - 1 && ax.hi.mode === 'edge');
    if (edge) {
      const d = i === 0 ? 1 : -1;
      r[i] = (2 * f[i] - 5 * f[i + d] + 4 * f[i + 2 * d] - f[i + 3 * d]) * scale;
    } else r[i] = (at(i + 1) - 2 * f[i] + at(i - 1)) * scale;
  }
}
