import { gradientAlong } from './cpu/gradient.js';
import type { DataInfo } from './data.js';
import { describe, GradientError } from './errors.js';
import { fornbergWeights } from './fornberg.js';
import { type AxisPlan, isGhost, makePlan, type Plan } from './plan.js';
import type { GradientOptions } from './types.js';

/**
 * Derivatives of any order and accuracy, the Hessian and adjoints, as banded 1-D operators: every axis's
 * operator is a table of rows (a window of columns and its weights), built here in float64 once per call;
 * a mixed partial is the product of its axes' operators, an adjoint the product of their transposes. The
 * CPU reference (src/cpu/derivatives.ts) applies the rows; the GPU (shaders/table.wgsl) reads the same rows
 * as float32, with a small program saying which products of which components each output sums.
 */

/** Options of cpuDerivatives / gpuDerivatives (and the Hessian, without `derivatives`). */
export interface DerivativeOptions extends Pick<GradientOptions, 'shape' | 'spacing' | 'axis' | 'boundary' | 'cval' | 'period'> {
  /** One multi-index per result: the derivative order (0–4) along each selected axis, at least one of them ≥ 1, e.g. [[2, 0], [1, 1]]. */
  derivatives?: readonly (readonly number[])[];
  /** 2 (default), 4, 6 or 8: the order of accuracy of every stencil. */
  accuracy?: 2 | 4 | 6 | 8;
}

/**
 * A banded operator along one axis of n points: row i reads columns start[i] … start[i] + width − 1 (modulo
 * n on a periodic axis, where start may be negative) with weights[i·width + k], plus bias[i] (the ghost
 * values of 'constant' sides: the operator is affine there; adjoints take its linear part).
 */
export interface AxisOperator {
  readonly n: number;
  readonly width: number;
  readonly start: Int32Array;
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  readonly periodic: boolean;
}

/** Options of the adjoints: the gradient's (accuracy 2 or 4), or with `derivatives` those of derivatives. */
export type AdjointOptions = Omit<GradientOptions, keyof DerivativeOptions> & DerivativeOptions;

/** A factor of a term: an operator along a plan axis. */
export interface Factor {
  readonly axis: AxisPlan;
  readonly op: AxisOperator;
}

/** Σ over an output's terms of (the product of the term's factors) applied to input `component`. */
export interface Term {
  readonly component: number;
  readonly factors: readonly Factor[];
}

/** What a derivative, Hessian or adjoint call computes: its plan and, per output, the terms it sums. */
export interface Program {
  readonly plan: Plan;
  readonly inputs: number;
  readonly outputs: readonly (readonly Term[])[];
}

export const ACCURACIES = [2, 4, 6, 8] as const;
export const MAX_ORDER = 4;
/** Axes one term may differentiate at once (the GPU kernel's nested loops). */
export const MAX_FACTORS = 3;

/**
 * How far a program's operators along the array's first dimension read: the rows of halo on each side
 * (the largest distance from a row to a column it reads), and whether one wraps around the axis
 * (periodic), when the first dimension is differentiated at all. A piece of rows with this halo holds
 * every value its own rows read (table.ts streams large calls so).
 */
export function firstAxisReach(program: Program): { halo: number; wraps: boolean } {
  let halo = 0;
  let wraps = false;
  for (const terms of program.outputs) {
    for (const term of terms) {
      for (const { axis, op } of term.factors) {
        if (axis.axis !== 0) continue;
        if (op.periodic) wraps = true;
        else for (let i = 0; i < op.n; i++) halo = Math.max(halo, i - op.start[i], op.start[i] + op.width - 1 - i);
      }
    }
  }
  return { halo, wraps };
}

/** Points of the central stencil of order m at accuracy p, and of the one-sided one (findiff's convention). */
export function stencilPoints(m: number, p: number): { central: number; oneSided: number } {
  return { central: 2 * Math.floor((m + 1) / 2) - 1 + p, oneSided: m + p };
}

/** The plan of a derivative call: numpy's shape, axis, spacing, boundary, cval and period rules; the options only gradients take are refused. */
function derivativePlan(info: DataInfo, options: DerivativeOptions | undefined, own: readonly string[], where: string): Plan {
  // Options only gradients take are refused by name; the rest go to the plan, less this call's own.
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o))
    throw new GradientError('invalid-option', `options: ${describe(options)} must be an object`);
  for (const key of ['edgeOrder', 'operator', 'invalid', 'mask', 'coordinates', 'sphere']) {
    if (o[key] !== undefined) {
      throw new GradientError(
        'invalid-option',
        `${key}: ${describe(o[key])} does not apply to ${where} (its edges are one-sided stencils of order + accuracy points; no gaps or grids)`,
      );
    }
  }
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!own.includes(k)) rest[k] = v;
  return makePlan(info, rest as GradientOptions);
}

function checkAccuracy(accuracy: unknown): 2 | 4 | 6 | 8 {
  if (accuracy === undefined) return 2;
  if (!(ACCURACIES as readonly unknown[]).includes(accuracy)) {
    throw new GradientError('invalid-option', `accuracy: ${describe(accuracy)} must be 2, 4, 6 or 8`);
  }
  return accuracy as 2 | 4 | 6 | 8;
}

/** The multi-indices of `derivatives`: one order 0–4 per selected axis, at least one and at most three of them non-zero. */
function checkMultiIndices(derivatives: unknown, axes: number): number[][] {
  if (!Array.isArray(derivatives) || derivatives.length === 0) {
    throw new GradientError(
      'invalid-option',
      `derivatives: ${describe(derivatives)} must be a non-empty list of multi-indices (one order per selected axis, e.g. [[2, 0], [1, 1]])`,
    );
  }
  return derivatives.map((d, j) => {
    if (!Array.isArray(d) || d.length !== axes) {
      throw new GradientError('invalid-option', `derivatives[${j}]: ${describe(d)} must hold one order per selected axis (${axes})`);
    }
    d.forEach((m, k) => {
      if (typeof m !== 'number' || !Number.isInteger(m) || m < 0 || m > MAX_ORDER) {
        throw new GradientError(
          'invalid-option',
          `derivatives[${j}][${k}]: ${describe(m)} must be an integer order from 0 to ${MAX_ORDER}`,
        );
      }
    });
    // Before 2026-12-07 such an index gave zeros on the CPU and the GPU alike (a term of no factors), and
    // left a CPU `out` unwritten: refused since.
    if (d.every((m: number) => m === 0)) {
      throw new GradientError(
        'invalid-option',
        `derivatives[${j}]: ${describe(d)} differentiates no axis (its result would be the data itself); give each multi-index an order ≥ 1 somewhere`,
      );
    }
    if (d.filter((m: number) => m > 0).length > MAX_FACTORS) {
      throw new GradientError('invalid-option', `derivatives[${j}]: ${describe(d)} differentiates more than ${MAX_FACTORS} axes at once`);
    }
    return d as number[];
  });
}

/** Operators of one call, cached by (axis, order): a Hessian reuses each axis's first derivative. */
class Operators {
  private readonly cache = new Map<string, AxisOperator>();
  constructor(
    private readonly plan: Plan,
    private readonly accuracy: number,
  ) {}
  of(k: number, m: number): AxisOperator {
    const key = `${k}|${m}`;
    let op = this.cache.get(key);
    if (!op) {
      op = keptOperator(this.plan.axes[k], m, this.accuracy);
      this.cache.set(key, op);
    }
    return op;
  }
}

/**
 * Operators kept across calls, most recently used first, through weak references (they keep no memory
 * alive: an axis of a million uneven points at accuracy 8 makes 72 MB of weights): what derivativeOperator
 * reads of an axis (its length, step or coordinates' differences, periodicity and sides) with the order
 * and accuracy. Operators are never written once made. Uneven coordinates make Fornberg's weights at
 * every point: 8 ms of a 21 ms second derivative of a 96×9216 array on this project's VM, remade at every
 * call (bench/NOTES.md, eighteenth session); a kept axis's differences are compared value by value.
 */
const keptOperators: { readonly key: string; readonly made: WeakRef<{ readonly dx: Float64Array | null; readonly op: AxisOperator }> }[] =
  [];
const KEPT_OPERATORS = 12;

function keptOperator(ax: AxisPlan, m: number, p: number): AxisOperator {
  const key = `${ax.n}|${ax.step}|${ax.periodic}|${ax.lo.mode}|${ax.lo.cval}|${ax.hi.mode}|${ax.hi.cval}|${m}|${p}`;
  for (let e = 0; e < keptOperators.length; e++) {
    const kept = keptOperators[e];
    if (kept.key !== key) continue;
    const made = kept.made.deref();
    if (made === undefined) {
      keptOperators.splice(e--, 1); // collected
      continue;
    }
    if (!sameSteps(made.dx, ax.dx)) continue;
    if (e > 0) {
      keptOperators.splice(e, 1);
      keptOperators.unshift(kept);
    }
    return made.op;
  }
  const op = derivativeOperator(ax, m, p);
  // The plan's own steps: makePlan makes them and nothing writes them.
  keptOperators.unshift({ key, made: new WeakRef({ dx: ax.dx, op }) });
  if (keptOperators.length > KEPT_OPERATORS) keptOperators.pop();
  return op;
}

/** Whether two axes' non-uniform steps (or both none) are the same numbers. */
function sameSteps(a: Float64Array | null, b: Float64Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** The terms of one multi-index: the product of its non-zero orders' operators on component 0. */
function multiIndexTerm(ops: Operators, plan: Plan, d: readonly number[], component = 0): Term {
  const factors = d.flatMap((m, k) => (m > 0 ? [{ axis: plan.axes[k], op: ops.of(k, m) }] : []));
  refuseMixedBias(factors, d);
  return { component, factors };
}

/** A product of affine operators is not what "the product of the 1-D operators" means: 'constant' sides with a non-zero cval are refused for mixed partials. */
function refuseMixedBias(factors: readonly Factor[], d: readonly number[]): void {
  if (factors.length > 1 && factors.some((f) => f.op.bias.some((b) => b !== 0))) {
    throw new GradientError(
      'invalid-option',
      `cval: a non-zero ghost value with the mixed partial ${describe(d)} (a product of affine operators); use cval 0 or 'constant' sides only on pure derivatives`,
    );
  }
}

/** cpuDerivatives / gpuDerivatives: one output per multi-index. */
export function derivativesProgram(info: DataInfo, options: DerivativeOptions | undefined, extraKeys: readonly string[] = []): Program {
  const plan = derivativePlan(info, options, ['derivatives', 'accuracy', ...extraKeys], 'derivatives');
  const accuracy = checkAccuracy(options?.accuracy);
  const indices = checkMultiIndices(options?.derivatives, plan.axes.length);
  const ops = new Operators(plan, accuracy);
  return { plan, inputs: 1, outputs: indices.map((d) => [multiIndexTerm(ops, plan, d)]) };
}

/** The Hessian's multi-indices: (i, j) for i ≤ j in row-major order, each a second derivative or a mixed first-by-first. */
export function hessianIndices(d: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const m = new Array(d).fill(0);
      m[i]++;
      m[j]++;
      out.push(m);
    }
  }
  return out;
}

/** cpuHessian / gpuHessian: the d(d+1)/2 second partials (i ≤ j), row-major. */
export function hessianProgram(info: DataInfo, options: DerivativeOptions | undefined, extraKeys: readonly string[] = []): Program {
  if ((options as { derivatives?: unknown } | undefined)?.derivatives !== undefined) {
    throw new GradientError('invalid-option', 'derivatives: the Hessian has its own (every second partial); use cpuDerivatives to choose');
  }
  const plan = derivativePlan(info, options, ['accuracy', ...extraKeys], 'the Hessian');
  const accuracy = checkAccuracy(options?.accuracy);
  const ops = new Operators(plan, accuracy);
  return { plan, inputs: 1, outputs: hessianIndices(plan.axes.length).map((d) => [multiIndexTerm(ops, plan, d)]) };
}

/**
 * The gradient as a program (one output per selected axis, each cpuGradient's own operator along it):
 * every option family of cpuGradient but gaps, grids and Sobel/Scharr.
 */
export function gradientProgram(info: DataInfo, options: GradientOptions | undefined, extraKeys: readonly string[] = []): Program {
  const o = options ?? {};
  for (const key of ['invalid', 'mask', 'coordinates', 'sphere', 'operator'] as const) {
    if (o[key] !== undefined) throw new GradientError('invalid-option', `${key}: ${describe(o[key])} is not available for adjoints`);
  }
  const plan = makePlan(info, o, extraKeys);
  return { plan, inputs: 1, outputs: plan.axes.map((axis) => [{ component: 0, factors: [{ axis, op: gradientOperator(axis, plan) }] }]) };
}

/** The adjoint of a one-input program: output o's terms transposed, applied to component o, summed into one output. */
export function adjointOf(forward: Program): Program {
  const terms = forward.outputs.flatMap((list, c) =>
    list.map((t) => ({ component: c, factors: t.factors.map((f) => ({ axis: f.axis, op: transpose(f.op) })) })),
  );
  return { plan: forward.plan, inputs: forward.outputs.length, outputs: [terms] };
}

/**
 * The adjoint Σ_k A_kᵀ v_k of a gradient (A_k along selected axis k, every option family of cpuGradient
 * but gaps and grids), or with `derivatives`, Σ_o D_oᵀ v_o: one output of the data's length.
 */
export function adjointProgram(
  info: DataInfo,
  count: number,
  options: AdjointOptions | undefined,
  extraKeys: readonly string[] = [],
): Program {
  const o = options ?? {};
  const forward =
    o.derivatives !== undefined ? derivativesProgram(info, o, extraKeys) : gradientProgram(info, o as GradientOptions, extraKeys);
  if (count !== forward.outputs.length) {
    const what = o.derivatives !== undefined ? 'derivatives (one per multi-index)' : 'selected axes (one per selected axis)';
    throw new GradientError('invalid-data', `components: ${count} arrays given for ${forward.outputs.length} ${what}`);
  }
  return adjointOf(forward);
}

/** Positions of the points of an axis: x_j from the steps (x_0 = 0), and periodic continuations past either end. */
function positions(ax: AxisPlan): (j: number) => number {
  const n = ax.n;
  const x = new Float64Array(n);
  for (let j = 1; j < n; j++) x[j] = x[j - 1] + (ax.dx ? ax.dx[j - 1] : ax.step!);
  const period = ax.periodic ? (ax.dx ? x[n - 1] + ax.dx[n - 1] : n * ax.step!) : 0;
  return (j) => {
    if (ax.periodic) {
      const q = Math.floor(j / n);
      return x[j - q * n] + q * period;
    }
    // Ghost coordinates are reflected: x[−k] = 2·x[0] − x[k], x[n−1+k] = 2·x[n−1] − x[n−1−k].
    if (j < 0) return 2 * x[0] - x[-j];
    if (j >= n) return 2 * x[n - 1] - x[2 * (n - 1) - j];
    return x[j];
  };
}

/** The column a ghost (or in-range) index reads on a non-periodic axis: null for a 'constant' ghost. */
function ghostColumn(j: number, ax: AxisPlan): number | null {
  const n = ax.n;
  if (j >= 0 && j < n) return j;
  const low = j < 0;
  const k = low ? -j : j - (n - 1); // the k-th ghost of its side
  const mode = (low ? ax.lo : ax.hi).mode;
  const from = (i: number) => (low ? i : n - 1 - i);
  if (mode === 'nearest') return from(0);
  if (mode === 'mirror') return from(k);
  if (mode === 'reflect') return from(k - 1);
  return null;
}

/**
 * The derivative of order m at accuracy p along an axis (findiff's convention): central stencils of
 * N = 2⌊(m+1)/2⌋ − 1 + p points inside; within reach of an 'edge' side, one-sided stencils of m + p
 * points starting (or ending) at the point; on a ghost side, the central stencil with ghost values and
 * reflected coordinates; wrapped on a periodic axis. Weights by Fornberg's algorithm from the positions.
 */
export function derivativeOperator(ax: AxisPlan, m: number, p: number): AxisOperator {
  const n = ax.n;
  const { central: N, oneSided: q } = stencilPoints(m, p);
  const r = (N - 1) / 2;
  const lo = ax.lo.mode === 'edge',
    hi = ax.hi.mode === 'edge';
  const needed = ax.periodic ? N : Math.max(N, lo || hi ? q + r - 1 : 0, isGhost(ax.lo) || isGhost(ax.hi) ? r + 1 : 0);
  if (n < needed) {
    throw new GradientError(
      'axis-too-short',
      `shape[${ax.axis}] = ${n}: axis ${ax.axis} needs at least ${needed} points for order ${m} at accuracy ${p} (stencils of ${N} points inside, ${q} one-sided)`,
    );
  }
  const x = positions(ax);
  const width = Math.max(N, q);
  const start = new Int32Array(n);
  const weights = new Float64Array(n * width);
  const bias = new Float64Array(n);
  const points: number[] = [];
  // On a uniform axis a row's weights depend only on where its window starts relative to the row and how
  // many points it has: three windows (central, forward, backward) serve every row, from exact offsets.
  const step = ax.dx === null ? ax.step : null;
  const shared = new Map<number, Float64Array>();
  const rowWeights = (i: number, first: number, count: number): Float64Array => {
    points.length = 0;
    if (step === null) {
      for (let k = 0; k < count; k++) points.push(x(first + k));
      return fornbergWeights(x(i), points, m)[m];
    }
    const key = (first - i) * 64 + count;
    let w = shared.get(key);
    if (!w) {
      for (let k = 0; k < count; k++) points.push((first - i + k) * step);
      w = fornbergWeights(0, points, m)[m];
      shared.set(key, w);
    }
    return w;
  };
  for (let i = 0; i < n; i++) {
    let first: number;
    if (!ax.periodic && i - r < 0 && lo)
      first = i; // forward, m + p points
    else if (!ax.periodic && i + r > n - 1 && hi)
      first = i - q + 1; // backward
    else first = i - r;
    const count = first === i - r ? N : q;
    const w = rowWeights(i, first, count);
    if (ax.periodic || (first >= 0 && first + count <= n)) {
      start[i] = first;
      weights.set(w, i * width);
      continue;
    }
    // Fold ghosts onto the columns they copy; the window is then the columns touched.
    const cols: number[] = [];
    for (let k = 0; k < count; k++) cols.push(ghostColumn(first + k, ax) ?? -1);
    const real = cols.filter((c) => c >= 0);
    const s = real.length > 0 ? Math.min(...real) : i;
    start[i] = s;
    for (let k = 0; k < count; k++) {
      if (cols[k] >= 0) weights[i * width + cols[k] - s] += w[k];
      else bias[i] += w[k] * (first + k < 0 ? ax.lo.cval : ax.hi.cval);
    }
  }
  return { n, width, start, weights, bias, periodic: ax.periodic };
}

/**
 * The gradient's own operator along an axis — every option family of cpuGradient (edge orders, steps and
 * coordinates, periodic, accuracy 4, ghost modes) — read off cpuGradient itself: the 1-D gradient of
 * comb vectors (1 at every P-th point) recovers each row's weights, since a row reaches at most 4 points
 * either side (P = 9 colours); the last partial block and a periodic axis's seam are probed point by point.
 */
export function gradientOperator(ax: AxisPlan, plan: Plan): AxisOperator {
  const n = ax.n;
  const line: AxisPlan = { ...ax, outer: 1, inner: 1, axis: 0 };
  const linePlan: Plan = { ...plan, shape: [n], size: n, axes: [line], skip: false, mask: null, grid: null };
  const reach = 4;
  const width = 2 * reach + 1;
  const P = width;
  const cyc = (a: number) => (ax.periodic ? ((a % n) + n) % n : a);
  const start = new Int32Array(n);
  for (let i = 0; i < n; i++) start[i] = ax.periodic ? i - reach : Math.min(Math.max(i - reach, 0), Math.max(n - width, 0));
  const weights = new Float64Array(n * width);
  const bias = new Float64Array(n);
  // The affine part first (a 'constant' side's ghost values), then each probe's result minus it.
  gradientAlong(new Float64Array(n), linePlan, 0, bias);
  const out = new Float64Array(n);
  const put = (i: number, j: number) => {
    const k = ax.periodic ? cyc(j - start[i]) : j - start[i];
    if (k >= 0 && k < width) weights[i * width + k] = out[i] - bias[i];
  };
  // Columns [0, F) by colour (same-colour columns are P apart, also across a periodic seam), the rest one by one.
  const F = ax.periodic ? n - (n % P) : n;
  for (let c = 0; c < P && c < F; c++) {
    const probe = new Float64Array(n);
    for (let j = c; j < F; j += P) probe[j] = 1;
    gradientAlong(probe, linePlan, 0, out);
    for (let i = 0; i < n; i++) {
      for (let t = i - reach; t <= i + reach; t++) {
        const j = cyc(t);
        if (j >= 0 && j < F && j % P === c) put(i, j);
      }
    }
  }
  for (let j = F; j < n; j++) {
    const probe = new Float64Array(n);
    probe[j] = 1;
    gradientAlong(probe, linePlan, 0, out);
    for (let t = j - reach; t <= j + reach; t++) {
      const i = cyc(t);
      if (i >= 0 && i < n) put(i, j);
    }
  }
  return { n, width, start, weights, bias, periodic: ax.periodic };
}

/** The transpose of an operator (its linear part): row j of Aᵀ holds A[i][j] for every row i that reads column j. */
export function transpose(op: AxisOperator): AxisOperator {
  const { n, width, periodic } = op;
  const entries: { i: number; w: number }[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < width; k++) {
      const w = op.weights[i * width + k];
      if (w === 0) continue;
      const j = periodic ? (((op.start[i] + k) % n) + n) % n : op.start[i] + k;
      entries[j].push({ i, w });
    }
  }
  // Rows of Aᵀ: on a periodic axis each entry's row index unwrapped to within n/2 of j.
  const unwrap = (i: number, j: number) => (periodic ? i - n * Math.round((i - j) / n) : i);
  let w2 = 1;
  const spans = entries.map((list, j) => {
    if (list.length === 0) return { lo: j, hi: j };
    const rows = list.map((e) => unwrap(e.i, j));
    return { lo: Math.min(...rows), hi: Math.max(...rows) };
  });
  for (const s of spans) w2 = Math.max(w2, s.hi - s.lo + 1);
  const start = new Int32Array(n);
  const weights = new Float64Array(n * w2);
  entries.forEach((list, j) => {
    start[j] = spans[j].lo;
    for (const e of list) weights[j * w2 + unwrap(e.i, j) - spans[j].lo] += e.w;
  });
  return { n, width: w2, start, weights, bias: new Float64Array(n), periodic };
}
