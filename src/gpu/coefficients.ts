import { describe, GradientError } from '../errors.js';
import { type CurvilinearGrid, gridIdentity } from '../grid.js';
import { OPERATIONS, type Operation } from '../operations.js';
import type { AxisPlan, Plan } from '../plan.js';
import { backwardWeights2, edgeSteps, edgeWeights2, forwardWeights2, interiorWeights } from '../stencil.js';
import { NO_COMPONENT } from './uniforms.js';

/**
 * The numbers the stencils multiply by: each axis's coefficients (read from its `Axis` uniform), the
 * per-point weights of uneven coordinates (a storage buffer), and the check that float32 holds them all.
 */

/** Per-point weights for every axis with uneven coordinates, as rows indexed by i (see weightRows), then a grid's numbers. */
export interface PackedWeights {
  readonly data: Float32Array;
  /** Per plan axis: element offset of its rows, or -1 for a uniform axis. */
  readonly offsets: number[];
  /** A grid's uniforms (grid.wgsl): where its numbers start, the sphere's flux-form component and 1/R; null without a grid. */
  readonly grid: { readonly offset: number; readonly component: number; readonly scale: number } | null;
}

/** Whether packed weights need a weights buffer of their own (an axis with uneven steps, or a grid); else the device's empty one serves. */
export function hasWeights(packed: PackedWeights): boolean {
  return packed.offsets.some((o) => o >= 0) || packed.grid !== null;
}

/**
 * A grid's numbers for elements [from, to) (grid.wgsl): a curvilinear grid's metric terms of those
 * elements (d² a point; metricsForGpu), or the sphere's 1/(R cos φ) and cos φ per latitude row.
 */
function gridNumbers(plan: Plan, from: number, to: number): Float32Array | Float64Array | null {
  const grid = plan.grid;
  if (!grid) return null;
  if (grid.kind === 'sphere') {
    const rows = new Float64Array(2 * grid.cos.length);
    rows.set(grid.inverse);
    rows.set(grid.cos, grid.cos.length);
    return rows;
  }
  const d2 = plan.axes.length ** 2;
  return metricsForGpu(grid, d2).subarray(from * d2, to * d2);
}

/** The component a sphere's operation reads in flux form (v·cos φ along latitude): divergence v_north, curl v_east. */
function fluxComponent(plan: Plan, op: Operation): number {
  if (plan.grid?.kind !== 'sphere' || !OPERATIONS[op].fluxForm) return NO_COMPONENT;
  return op === 'divergence' ? 0 : 1;
}

export function weightRowPad(n: number): number {
  return Math.ceil(n / 4) * 4;
}

/**
 * An uneven axis's weight rows (general.wgsl, `weight`), each of n entries, in float64: 0-2 the interior
 * weights a, b, c of f[i−1], f[i], f[i+1] at every point — wrapped on a periodic axis, and at the two end
 * points those of reflected coordinates (a uniform step dx[0] or dx[n−2], used by ghost sides); with gaps
 * skipped, 3: 1/dx[i], 4: 1/dx[i−1], 5-7: the forward second-order weights at i, 8-10: the backward ones
 * (numpy's edge formulas at every point, for the ends of runs). Entries a point cannot use are 0.
 */
export function weightRows(ax: AxisPlan, skip: boolean): Float64Array[] {
  const dx = ax.dx!;
  const n = ax.n;
  const periodic = ax.periodic;
  const steps = periodic ? dx : Float64Array.from([dx[0], ...dx, dx[n - 2]]);
  const { a, b, c } = interiorWeights(steps, periodic);
  const rows = [a, b, c];
  if (!skip) return rows;
  // Step j (x[j+1] − x[j]) wrapped on a periodic axis, or undefined beyond the axis.
  const step = (j: number) => (periodic ? dx[(j + n) % n] : j >= 0 && j < n - 1 ? dx[j] : undefined);
  const more = Array.from({ length: 8 }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const f1 = step(i),
      f2 = step(i + 1),
      b1 = step(i - 1),
      b2 = step(i - 2);
    if (f1 !== undefined) more[0][i] = 1 / f1;
    if (b1 !== undefined) more[1][i] = 1 / b1;
    if (f1 !== undefined && f2 !== undefined) {
      const w = forwardWeights2(f1, f2);
      [more[2][i], more[3][i], more[4][i]] = [w.a, w.b, w.c];
    }
    if (b1 !== undefined && b2 !== undefined) {
      const w = backwardWeights2(b2, b1);
      [more[5][i], more[6][i], more[7][i]] = [w.a, w.b, w.c];
    }
  }
  return [...rows, ...more];
}

/**
 * The weights buffer of a plan's work on elements [from, to) (a streamed piece's outputs; default all):
 * the weight rows of its uneven axes, then (grids) its grid's numbers from a multiple of 4 on.
 */
export function packWeights(plan: Plan, op: Operation = 'gradient', from = 0, to = plan.size): PackedWeights {
  const offsets: number[] = [];
  const rowsOf = plan.axes.map((ax) => (ax.dx === null ? null : weightRows(ax, plan.skip)));
  let total = 0;
  rowsOf.forEach((rows, k) => {
    offsets.push(rows === null ? -1 : total);
    if (rows !== null) total += rows.length * weightRowPad(plan.axes[k].n);
  });
  const numbers = gridNumbers(plan, from, to);
  const gridOffset = total;
  if (numbers) total += weightRowPad(numbers.length);
  // A curvilinear grid's float32 numbers alone, needing no padding, go up as they lie: no copy (16 MiB at 1024²).
  const asTheyLie = numbers instanceof Float32Array && gridOffset === 0 && numbers.length === total && total >= 4;
  const data = asTheyLie ? numbers : new Float32Array(Math.max(total, 4));
  rowsOf.forEach((rows, k) => {
    const pad = weightRowPad(plan.axes[k].n);
    rows?.forEach((row, r) => data.set(row, offsets[k] + r * pad));
  });
  if (numbers && !asTheyLie) data.set(numbers, gridOffset);
  const sphere = plan.grid?.kind === 'sphere' ? plan.grid : null;
  const grid = plan.grid ? { offset: gridOffset, component: fluxComponent(plan, op), scale: sphere ? 1 / sphere.radius : 0 } : null;
  return { data, offsets, grid };
}

/** The coefficients of one axis the shader reads from its `Axis` uniform: 0 where its stencils do not use one. */
export interface AxisCoefficients {
  readonly cInt: number; // 1 / (2h)
  readonly invHLo: number; // 1 / (x1 − x0)
  readonly invHHi: number; // 1 / (x[n−1] − x[n−2])
  readonly c4: number; // 1 / (12h)
  readonly invH2: number; // 1 / h², the Laplacian
  readonly lo: readonly number[]; // edge order 2 weights of f[0], f[1], f[2] (numpy's edges only)
  readonly hi: readonly number[]; // of f[n−3], f[n−2], f[n−1]
}

export function axisCoefficients(ax: AxisPlan, plan: Plan): AxisCoefficients {
  const { lo, hi } = edgeSteps(ax);
  // One-sided stencils: numpy's on an 'edge' side at second order, and (uniform steps) at the ends of runs
  // when gaps are skipped — of both orders, since a run of two is first order whatever edgeOrder says.
  const numpyEdges = plan.accuracy === 2 && (plan.skip || ax.lo.mode === 'edge' || ax.hi.mode === 'edge'),
    fourth = plan.accuracy === 4,
    uniform = ax.dx === null;
  const w = numpyEdges && (plan.edgeOrder === 2 || plan.skip) ? edgeWeights2(ax) : null;
  const firstOrderEdges = numpyEdges && (plan.edgeOrder === 1 || plan.skip);
  return {
    cInt: uniform && !fourth ? 1 / (2 * ax.step!) : 0,
    invHLo: firstOrderEdges ? 1 / lo : 0,
    invHHi: firstOrderEdges ? 1 / hi : 0,
    c4: uniform && fourth ? 1 / (12 * ax.step!) : 0,
    invH2: uniform ? 1 / (ax.step! * ax.step!) : 0,
    lo: w ? [w.lo.a, w.lo.b, w.lo.c] : [0, 0, 0],
    hi: w ? [w.hi.a, w.hi.b, w.hi.c] : [0, 0, 0],
  };
}

const F32_MAX = 3.4028234663852886e38;
const F32_MIN_NORMAL = 2 ** -126;

/** 'a to b': the smallest and largest |step|, without spreading the steps into arguments. */
function extent(dx: Float64Array): string {
  let lo = Number.POSITIVE_INFINITY,
    hi = 0;
  for (const d of dx) {
    lo = Math.min(lo, Math.abs(d));
    hi = Math.max(hi, Math.abs(d));
  }
  return `${lo} to ${hi}`;
}

/**
 * Each curvilinear grid's metric terms as the GPU takes them, checked inside float32's range: a prepared
 * grid's kept float64 array (handed to every call of its plan: its scan took 18 ms of a 1024² call on
 * this project's 2-core VM), or an unprepared grid's converted to float32 from the kept scratch while
 * the call is made (planning the next call reuses that scratch), rather than a float64 array of its own
 * (a fresh 32 MiB at 1024²; bench/NOTES.md, eighteenth session).
 */
const gpuMetrics = new WeakMap<CurvilinearGrid, Float32Array | Float64Array>();

/** A curvilinear grid's metric terms for the GPU (gpuMetrics), checked and, unprepared, converted on first use. */
function metricsForGpu(grid: CurvilinearGrid, d2: number): Float32Array | Float64Array {
  let metrics = gpuMetrics.get(grid);
  if (metrics === undefined) {
    const kept = gridIdentity(grid) !== null;
    const from = grid.metricsNow();
    const to = kept ? null : new Float32Array(from.length);
    for (let w = 0; w < from.length; w++) {
      const v = from[w];
      const a = Math.abs(v);
      if (v !== 0 && !(a >= F32_MIN_NORMAL && a <= F32_MAX)) {
        throw new GradientError(
          'invalid-spacing',
          `coordinates: the metric term ${describe(v)} at element ${Math.floor(w / d2)} (∂ξ/∂x, the inverse of the coordinate steps) is outside float32's normal range (about 1.2e-38 to 3.4e38) that the GPU computes in; rescale the coordinates or use the cpu functions`,
        );
      }
      if (to !== null) to[w] = v;
    }
    metrics = to ?? from;
    gpuMetrics.set(grid, metrics);
  }
  return metrics;
}

/**
 * Refuses steps whose coefficients float32 cannot hold: the GPU computes with f32 reciprocals of the
 * steps, and one that overflows to ∞ or falls below the normal range (where GPUs flush to zero) would
 * turn every result of that axis into ∞, NaN or 0. cpuGradient, in float64, takes such steps.
 */
export function checkFloat32Coefficients(plan: Plan, op: Operation = 'gradient'): void {
  const outside = (v: number) => v !== 0 && !(Math.abs(v) >= F32_MIN_NORMAL && Math.abs(v) <= F32_MAX);
  if (plan.grid?.kind === 'curvilinear') metricsForGpu(plan.grid, plan.axes.length ** 2);
  plan.axes.forEach((ax, k) => {
    const c = axisCoefficients(ax, plan);
    // Row by row, never spread into one list: a coordinate axis of a million points would overflow the stack.
    let bad = OPERATIONS[op].coefficients(c).find(outside);
    if (bad === undefined && ax.dx !== null) for (const row of weightRows(ax, plan.skip)) bad ??= row.find(outside);
    if (bad !== undefined) {
      const steps = ax.dx === null ? `the step ${ax.step} gives` : `coordinate steps from ${extent(ax.dx)} give`;
      throw new GradientError(
        'invalid-spacing',
        `spacing[${k}]: ${steps} the stencil coefficient ${describe(bad)}, ` +
          "outside float32's normal range (about 1.2e-38 to 3.4e38) that the GPU computes in; rescale the coordinates or use cpuGradient",
      );
    }
  });
}
