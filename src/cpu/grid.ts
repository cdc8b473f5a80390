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

/** ∂v/∂x_i for every physical axis i. `fluxForm` (sphere): the latitude derivative is of v·cos φ, scaled by 1/(R cos φ). */
function physicalDerivatives(v: Values, plan: Plan, fluxForm: boolean): Float64Array[] {
  const grid = plan.grid!;
  const N = plan.size;
  if (grid.kind === 'sphere') return sphereDerivatives(v, plan, grid, fluxForm);
  const d = plan.axes.length;
  // The index-space derivatives in kept scratch (fresh memory is page-faulted on first touch here).
  const index = plan.axes.map((_, j) => gradientAlong(v, plan, j, scratch.array(j, N)));
  const m = grid.metrics;
  return Array.from({ length: d }, (_, i) => {
    const g = new Float64Array(N);
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

/**
 * Calls `run(a, z, i)` for each run a..z of elements at latitude index i along the axis `lat` (its
 * `inner` consecutive elements per position), without a division per element.
 */
function byLatitude(lat: AxisPlan, run: (a: number, z: number, i: number) => void): void {
  for (let o = 0; o < lat.outer; o++)
    for (let i = 0; i < lat.n; i++) {
      const a = (o * lat.n + i) * lat.inner;
      run(a, a + lat.inner, i);
    }
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
function sphereDerivatives(v: Values, plan: Plan, grid: SphereGrid, fluxForm: boolean): Float64Array[] {
  const N = plan.size;
  const lat = plan.axes[0];
  let alongLat: Values = v;
  if (fluxForm) {
    const flat = isView(v) ? gathered(v, N) : v;
    const scaled = scratch.array(0, N);
    byLatitude(lat, (a, z, i) => {
      const c = grid.cos[i];
      for (let p = a; p < z; p++) scaled[p] = flat[p] * c;
    });
    alongLat = scaled;
  }
  const north = gradientAlong(alongLat, plan, 0, new Float64Array(N));
  const east = gradientAlong(v, plan, 1, new Float64Array(N));
  byLatitude(lat, (a, z, i) => {
    const inverse = grid.inverse[i];
    if (fluxForm) for (let p = a; p < z; p++) north[p] *= inverse;
    else for (let p = a; p < z; p++) north[p] /= grid.radius;
    for (let p = a; p < z; p++) east[p] *= inverse;
  });
  return [north, east];
}
