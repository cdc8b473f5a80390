import { describe, GradientError } from '../errors.js';
import { OPERATIONS, type Operation } from '../operations.js';
import type { AxisPlan, Plan } from '../plan.js';
import { edgeSteps, edgeWeights2, interiorWeights } from '../stencil.js';

/**
 * The numbers the stencils multiply by: each axis's coefficients (read from its `Axis` uniform), the
 * per-point weights of uneven coordinates (a storage buffer), and the check that float32 holds them all.
 */

/** Non-uniform interior weights for every axis that needs them, as rows a, b, c indexed by i. */
export interface PackedWeights {
  readonly data: Float32Array;
  /** Per plan axis: element offset of its rows, or -1 for a uniform axis. */
  readonly offsets: number[];
}

export function weightRowPad(n: number): number {
  return Math.ceil(n / 4) * 4;
}

export function packWeights(plan: Plan): PackedWeights {
  const offsets: number[] = [];
  let total = 0;
  for (const ax of plan.axes) {
    if (ax.dx === null) {
      offsets.push(-1);
      continue;
    }
    offsets.push(total);
    total += 3 * weightRowPad(ax.n);
  }
  const data = new Float32Array(Math.max(total, 4));
  plan.axes.forEach((ax, k) => {
    if (ax.dx === null) return;
    const periodic = ax.periodic;
    const { a, b, c } = interiorWeights(ax.dx, periodic);
    const pad = weightRowPad(ax.n),
      off = offsets[k];
    // Row entry i holds point i's weights: every point when periodic, else the interior 1..n−2.
    const first = periodic ? 0 : 1,
      shift = periodic ? 0 : 1;
    for (let i = first; i < ax.n - 1 + (periodic ? 1 : 0); i++) {
      data[off + i] = a[i - shift];
      data[off + pad + i] = b[i - shift];
      data[off + 2 * pad + i] = c[i - shift];
    }
  });
  return { data, offsets };
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
  const numpyEdges = !ax.periodic && plan.accuracy === 2,
    fourth = plan.accuracy === 4,
    uniform = ax.dx === null;
  const w = numpyEdges && plan.edgeOrder === 2 ? edgeWeights2(ax) : null;
  const firstOrderEdges = numpyEdges && plan.edgeOrder === 1;
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

/**
 * Refuses steps whose coefficients float32 cannot hold: the GPU computes with f32 reciprocals of the
 * steps, and one that overflows to ∞ or falls below the normal range (where GPUs flush to zero) would
 * turn every result of that axis into ∞, NaN or 0. cpuGradient, in float64, takes such steps.
 */
export function checkFloat32Coefficients(plan: Plan, op: Operation = 'gradient'): void {
  plan.axes.forEach((ax, k) => {
    const c = axisCoefficients(ax, plan);
    const values = OPERATIONS[op].coefficients(c);
    if (ax.dx !== null) {
      const { a, b, c: cc } = interiorWeights(ax.dx, ax.periodic);
      values.push(...a, ...b, ...cc);
    }
    const bad = values.find((v) => v !== 0 && !(Math.abs(v) >= F32_MIN_NORMAL && Math.abs(v) <= F32_MAX));
    if (bad !== undefined) {
      const steps =
        ax.dx === null
          ? `the step ${ax.step} gives`
          : `coordinate steps from ${Math.min(...ax.dx.map(Math.abs))} to ${Math.max(...ax.dx.map(Math.abs))} give`;
      throw new GradientError(
        'invalid-spacing',
        `spacing[${k}]: ${steps} the stencil coefficient ${describe(bad)}, ` +
          "outside float32's normal range (about 1.2e-38 to 3.4e38) that the GPU computes in; rescale the coordinates or use cpuGradient",
      );
    }
  });
}
