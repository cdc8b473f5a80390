import type { SphereGrid } from '../grid.js';
import { OPERATIONS, type Operation } from '../operations.js';
import type { AxisPlan, Plan } from '../plan.js';
import { gradientAlong } from './gradient.js';
import { gathered } from './input.js';
import { isView, type Values } from './lines.js';
import { KeptScratch } from './scratch.js';

/**
 * The float64 reference on a curvilinear grid or the sphere (src/grid.ts): the physical derivatives
 * g[c][i] = ∂v_c/∂x_i of each input, from the plan's index-space (or radian) derivatives, combined by the
 * operation's `onGrid` (src/operations.ts). shaders/grid.wgsl computes the same per point.
 */

/** An operation's results on the plan's grid. */
export function gridResults(op: Operation, inputs: readonly Values[], plan: Plan): Float64Array[] {
  const spec = OPERATIONS[op];
  if (!spec.onGrid) throw new Error(`internal: ${op} has no grid form`);
  return spec.onGrid(inputs.map((v) => physicalDerivatives(v, plan, spec.fluxForm)));
}

/**
 * The gradient on the plan's grid written into `outs` (cpuGradient's results): the gradient's onGrid is
 * its physical derivatives, so they are computed there rather than into fresh arrays and copied (fresh
 * memory is page-faulted on first touch here).
 */
export function gridGradientInto(f: Values, plan: Plan, outs: readonly Float64Array[]): void {
  physicalDerivatives(f, plan, OPERATIONS.gradient.fluxForm, outs);
}

/**
 * ∂v/∂x_i for every physical axis i, into `into` when given. `fluxForm` (sphere): the latitude derivative
 * is of v·cos φ, scaled by 1/(R cos φ).
 */
function physicalDerivatives(v: Values, plan: Plan, fluxForm: boolean, into?: readonly Float64Array[]): Float64Array[] {
  const grid = plan.grid!;
  const N = plan.size;
  if (grid.kind === 'sphere') return sphereDerivatives(v, plan, grid, fluxForm, into);
  const d = plan.axes.length;
  // The index-space derivatives in kept scratch (fresh memory is page-faulted on first touch here).
  const index = plan.axes.map((_, j) => gradientAlong(v, plan, j, scratch.array(j, N)));
  const m = grid.metrics;
  return Array.from({ length: d }, (_, i) => {
    const g = into?.[i] ?? new Float64Array(N);
    if (d === 2) combine2(m, i, index[0], index[1], g);
    else if (d === 3) combine3(m, i, index[0], index[1], index[2], g);
    else
      for (let p = 0; p < N; p++) {
        let sum = 0;
        for (let j = 0; j < d; j++) sum += m[p * d * d + i * d + j] * index[j][p];
        g[p] = sum;
      }
    return g;
  });
}

/** The scratch of physicalDerivatives and sphereDerivatives. */
const scratch = new KeptScratch();

/**
 * g[p] = Σ_j M[p][i][j] · ∂v/∂ξ_j [p] for two and three axes, summed from 0 in j's order as the general
 * loop sums (0 + a turns −0 into +0, so the 0 stays). 1024² on a curvilinear grid: see bench/NOTES.md,
 * sixteenth session.
 */
function combine2(m: Float64Array, i: number, a: Float64Array, b: Float64Array, g: Float64Array): void {
  for (let p = 0, k = 2 * i; p < g.length; p++, k += 4) g[p] = 0 + m[k] * a[p] + m[k + 1] * b[p];
}
function combine3(m: Float64Array, i: number, a: Float64Array, b: Float64Array, c: Float64Array, g: Float64Array): void {
  for (let p = 0, k = 3 * i; p < g.length; p++, k += 9) g[p] = 0 + m[k] * a[p] + m[k + 1] * b[p] + m[k + 2] * c[p];
}

/** [north, east]: (1/R) ∂v/∂φ (flux form: ∂(v cos φ)/∂φ / (R cos φ)) and ∂v/∂λ / (R cos φ). */
function sphereDerivatives(v: Values, plan: Plan, grid: SphereGrid, fluxForm: boolean, into?: readonly Float64Array[]): Float64Array[] {
  const N = plan.size;
  const lat = plan.axes[0];
  let alongLat: Values = v;
  if (fluxForm) {
    const flat = isView(v) ? gathered(v, N) : v;
    alongLat = scaledByLatitude(flat as ArrayLike<number>, lat, grid.cos, scratch.array(0, N));
  }
  const north = gradientAlong(alongLat, plan, 0, into?.[0] ?? new Float64Array(N));
  const east = gradientAlong(v, plan, 1, into?.[1] ?? new Float64Array(N));
  if (fluxForm) scaledByLatitude(north, lat, grid.inverse, north);
  else for (let p = 0; p < N; p++) north[p] /= grid.radius;
  scaledByLatitude(east, lat, grid.inverse, east);
  return [north, east];
}

/**
 * out[p] = v[p] · factor[i] where i is p's position along the latitude axis `lat` (its `inner` consecutive
 * elements a position), run by run without a division per element or a closure (a closure over the
 * arrays would read them through a context object at every element).
 */
function scaledByLatitude(v: ArrayLike<number>, lat: AxisPlan, factor: Float64Array, out: Float64Array): Float64Array {
  const { n, inner, outer } = lat;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < n; i++) {
      const c = factor[i];
      for (let p = (o * n + i) * inner, z = p + inner; p < z; p++) out[p] = v[p] * c;
    }
  return out;
}
