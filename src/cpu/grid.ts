import type { SphereGrid } from '../grid.js';
import { OPERATIONS, type Operation } from '../operations.js';
import type { Plan } from '../plan.js';
import { gradientAlong } from './gradient.js';
import { gathered } from './input.js';
import { isView, type Values } from './lines.js';

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
  const index = plan.axes.map((_, j) => gradientAlong(v, plan, j, new Float64Array(N)));
  const m = grid.metrics;
  return Array.from({ length: d }, (_, i) => {
    const g = new Float64Array(N);
    for (let p = 0; p < N; p++) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += m[p * d * d + i * d + j] * index[j][p];
      g[p] = sum;
    }
    return g;
  });
}

/** [north, east]: (1/R) ∂v/∂φ (flux form: ∂(v cos φ)/∂φ / (R cos φ)) and ∂v/∂λ / (R cos φ). */
function sphereDerivatives(v: Values, plan: Plan, grid: SphereGrid, fluxForm: boolean): Float64Array[] {
  const N = plan.size;
  const lat = plan.axes[0];
  const row = (p: number) => Math.floor(p / lat.inner) % lat.n;
  let alongLat: Values = v;
  if (fluxForm) {
    const flat = isView(v) ? gathered(v, N) : v;
    const scaled = new Float64Array(N);
    for (let p = 0; p < N; p++) scaled[p] = flat[p] * grid.cos[row(p)];
    alongLat = scaled;
  }
  const north = gradientAlong(alongLat, plan, 0, new Float64Array(N));
  const east = gradientAlong(v, plan, 1, new Float64Array(N));
  for (let p = 0; p < N; p++) {
    const inverse = grid.inverse[row(p)];
    north[p] = fluxForm ? north[p] * inverse : north[p] / grid.radius;
    east[p] *= inverse;
  }
  return [north, east];
}
