import type { CurvilinearGrid, SphereGrid } from '../grid.js';
import { type GridSum, OPERATIONS, type Operation } from '../operations.js';
import type { AxisPlan, Plan } from '../plan.js';
import { gradientAlong, gradientSlabs } from './gradient.js';
import { gathered } from './input.js';
import { isPartable, isView, type Values } from './lines.js';
import { KeptScratch } from './scratch.js';

/**
 * The float64 reference on a curvilinear grid or the sphere (src/grid.ts): the physical derivatives
 * g[c][i] = ∂v_c/∂x_i of each input, from the plan's index-space (or radian) derivatives, combined by the
 * operation's `onGrid`, or its `gridSums` added term by term (src/operations.ts). shaders/grid.wgsl
 * computes the same per point.
 */

/**
 * An operation's results on the plan's grid, into `outs` (which no input shares memory with). The
 * derivatives lie in kept scratch between: a 1024² divergence's were 56 MiB of fresh arrays a call
 * (bench/NOTES.md, eighteenth session).
 */
export function gridResults(op: Operation, inputs: readonly Values[], plan: Plan, outs: readonly Float64Array[]): void {
  const spec = OPERATIONS[op];
  const d = plan.axes.length;
  const grid = plan.grid!;
  if (spec.gridSums !== null) {
    const sums = spec.gridSums(d);
    if (grid.kind === 'curvilinear') curvilinearSums(sums, inputs, plan, grid, outs);
    else if (spec.fluxForm) sphereSums(sums, inputs, plan, grid, outs);
    else throw new Error(`internal: ${op}'s sums on the sphere are not in flux form`);
    return;
  }
  if (spec.onGrid === null) throw new Error(`internal: ${op} has no grid form`);
  const g = inputs.map((v, c) =>
    physicalDerivatives(
      v,
      plan,
      plan.axes.map((_, i) => physical.array(c * d + i, plan.size)),
    ),
  );
  spec.onGrid(g, outs);
}

/** The physical derivatives of gridResults, or the index-space derivatives of curvilinearSums. */
const physical = new KeptScratch();

/**
 * An operation's sums (src/operations.ts GridSum) on a curvilinear grid: each input's index-space
 * derivatives, then each output's first two terms from them and the metric terms in one pass and any
 * further term in a pass of its own, the physical derivatives never formed (a term's is computed as
 * combine2/3 computes it, so the bits are those of cpuGradient's results summed: grids.test.ts). 1024²
 * divergence: see bench/NOTES.md, twenty-first session.
 */
function curvilinearSums(
  sums: readonly GridSum[],
  inputs: readonly Values[],
  plan: Plan,
  grid: CurvilinearGrid,
  outs: readonly Float64Array[],
): void {
  const d = plan.axes.length;
  const index = inputs.map((v, c) =>
    indexDerivatives(
      v,
      plan,
      plan.axes.map((_, j) => physical.array(c * d + j, plan.size)),
    ),
  );
  const m = grid.metricsNow();
  sums.forEach(({ terms, fromZero }, r) => {
    const [[c1, i1, s1], [c2, i2, s2], ...rest] = terms;
    const start = fromZero ? 0 : -0;
    if (d === 2) startPair2(m, start, [2 * i1, s1, index[c1]], [2 * i2, s2, index[c2]], outs[r]);
    else startPair3(m, start, [3 * i1, s1, index[c1]], [3 * i2, s2, index[c2]], outs[r]);
    for (const [c, i, sign] of rest) addTerm(m, d, d * i, sign, index[c], outs[r]);
  });
}

/** A term's place in the metric terms (d·i: M[i][j] at d²p + d·i + j), its sign and its input's index-space derivatives. */
type Term = readonly [k: number, sign: number, index: readonly Float64Array[]];

/**
 * out[p] = (start + s1·g1[p]) + s2·g2[p], each g = ∂v/∂x_i = 0 + M[i][0]·∂v/∂ξ_0 + M[i][1]·∂v/∂ξ_1
 * (combine2's expression).
 */
function startPair2(m: Float64Array, start: number, [k1, s1, [a1, b1]]: Term, [k2, s2, [a2, b2]]: Term, out: Float64Array): void {
  for (let p = 0, q = 0; p < out.length; p++, q += 4)
    out[p] = start + s1 * (0 + m[q + k1] * a1[p] + m[q + k1 + 1] * b1[p]) + s2 * (0 + m[q + k2] * a2[p] + m[q + k2 + 1] * b2[p]);
}

/** startPair2 in three dimensions (combine3's expression). */
function startPair3(m: Float64Array, start: number, [k1, s1, [a1, b1, c1]]: Term, [k2, s2, [a2, b2, c2]]: Term, out: Float64Array): void {
  for (let p = 0, q = 0; p < out.length; p++, q += 9)
    out[p] =
      start +
      s1 * (0 + m[q + k1] * a1[p] + m[q + k1 + 1] * b1[p] + m[q + k1 + 2] * c1[p]) +
      s2 * (0 + m[q + k2] * a2[p] + m[q + k2 + 1] * b2[p] + m[q + k2 + 2] * c2[p]);
}

/** out[p] += sign · g[p] for one more term (a three-axis divergence's third). */
function addTerm(m: Float64Array, d: number, k: number, sign: number, index: readonly Float64Array[], out: Float64Array): void {
  const [a, b, c] = index;
  if (d === 2) for (let p = 0, q = k; p < out.length; p++, q += 4) out[p] = out[p] + sign * (0 + m[q] * a[p] + m[q + 1] * b[p]);
  else for (let p = 0, q = k; p < out.length; p++, q += 9) out[p] = out[p] + sign * (0 + m[q] * a[p] + m[q + 1] * b[p] + m[q + 2] * c[p]);
}

/**
 * The gradient on the plan's grid written into `outs` (cpuGradient's results): the gradient's onGrid is
 * its physical derivatives, so they are computed there rather than into fresh arrays and copied (fresh
 * memory is page-faulted on first touch here).
 */
export function gridGradientInto(f: Values, plan: Plan, outs: readonly Float64Array[]): void {
  physicalDerivatives(f, plan, outs);
}

/** ∂v/∂x_i for every physical axis i, into `into` (the operations with an onGrid: none in flux form). */
function physicalDerivatives(v: Values, plan: Plan, into: readonly Float64Array[]): readonly Float64Array[] {
  const grid = plan.grid!;
  const N = plan.size;
  if (grid.kind === 'sphere') return sphereDerivatives(v, plan, grid, into);
  // The index-space derivatives in kept scratch (fresh memory is page-faulted on first touch here).
  const index = indexDerivatives(
    v,
    plan,
    plan.axes.map((_, j) => scratch.array(j, N)),
  );
  const m = grid.metricsNow();
  if (index.length === 2) combine2(m, index[0], index[1], into[0], into[1]);
  else combine3(m, index[0], index[1], index[2], into[0], into[1], into[2]);
  return into;
}

/** ∂v/∂ξ_j for every index-space axis j, into `into`: every axis in one pass where the loops take the data (the fused pass's bits are the axis-by-axis bits). */
function indexDerivatives(v: Values, plan: Plan, into: readonly Float64Array[]): readonly Float64Array[] {
  const inIndexSpace = indexPlan(plan);
  if (isPartable(v, inIndexSpace)) gradientSlabs(v as ArrayLike<number>, inIndexSpace, into, 0, plan.shape[0]);
  else for (let j = 0; j < into.length; j++) gradientAlong(v, plan, j, into[j]);
  return into;
}

/** The plan in index space, or the sphere's in radians: without its grid, made once per plan. */
function indexPlan(plan: Plan): Plan {
  let index = INDEX_PLANS.get(plan);
  if (index === undefined) {
    index = { ...plan, grid: null };
    INDEX_PLANS.set(plan, index);
  }
  return index;
}
const INDEX_PLANS = new WeakMap<Plan, Plan>();

/** The scratch of physicalDerivatives and sphereDerivatives. */
const scratch = new KeptScratch();

/**
 * g_i[p] = Σ_j M[p][i][j] · ∂v/∂ξ_j [p] for every i in one loop (the metric terms read once), summed from
 * 0 in j's order (0 + a turns −0 into +0, so the 0 stays). 1024² on a curvilinear grid: see
 * bench/NOTES.md, sixteenth and eighteenth sessions.
 */
function combine2(m: Float64Array, a: Float64Array, b: Float64Array, g0: Float64Array, g1: Float64Array): void {
  for (let p = 0, k = 0; p < g0.length; p++, k += 4) {
    const ap = a[p],
      bp = b[p];
    g0[p] = 0 + m[k] * ap + m[k + 1] * bp;
    g1[p] = 0 + m[k + 2] * ap + m[k + 3] * bp;
  }
}
function combine3(
  m: Float64Array,
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  g0: Float64Array,
  g1: Float64Array,
  g2: Float64Array,
): void {
  for (let p = 0, k = 0; p < g0.length; p++, k += 9) {
    const ap = a[p],
      bp = b[p],
      cp = c[p];
    g0[p] = 0 + m[k] * ap + m[k + 1] * bp + m[k + 2] * cp;
    g1[p] = 0 + m[k + 3] * ap + m[k + 4] * bp + m[k + 5] * cp;
    g2[p] = 0 + m[k + 6] * ap + m[k + 7] * bp + m[k + 8] * cp;
  }
}

/** [north, east]: (1/R) ∂v/∂φ and ∂v/∂λ / (R cos φ). */
function sphereDerivatives(v: Values, plan: Plan, grid: SphereGrid, into: readonly Float64Array[]): readonly Float64Array[] {
  const [north, east] = into;
  const inRadians = indexPlan(plan);
  // Both derivatives are of v: one pass where the loops take the data.
  if (isPartable(v, inRadians)) gradientSlabs(v as ArrayLike<number>, inRadians, into, 0, plan.shape[0]);
  else {
    gradientAlong(v, plan, 0, north);
    gradientAlong(v, plan, 1, east);
  }
  scaledOnSphere(north, east, plan.axes[0], grid);
  return into;
}

/**
 * An operation's sums on the sphere in flux form (the divergence and the curl: terms of
 * ∂(v cos φ)/∂φ / (R cos φ) and ∂v/∂λ / (R cos φ)): only the radian derivatives the terms read, then
 * each output's two terms scaled by their row's 1/(R cos φ) and added in one pass — the expressions of
 * the physical derivatives scaled first and summed after, so the same bits. 1024² divergence: see
 * bench/NOTES.md, twenty-first session.
 */
function sphereSums(
  sums: readonly GridSum[],
  inputs: readonly Values[],
  plan: Plan,
  grid: SphereGrid,
  outs: readonly Float64Array[],
): void {
  const N = plan.size;
  const lat = plan.axes[0];
  const read = (c: number, i: number) => sums.some(({ terms }) => terms.some(([tc, ti]) => tc === c && ti === i));
  const radians = inputs.map((v, c) =>
    [0, 1].map((i) => {
      if (!read(c, i)) return null;
      const out = physical.array(c * 2 + i, N);
      if (i === 1) return gradientAlong(v, plan, 1, out);
      const flat = isView(v) ? gathered(v, N) : v;
      return gradientAlong(scaledByLatitude(flat as ArrayLike<number>, lat, grid.cos, scratch.array(0, N)), plan, 0, out);
    }),
  );
  sums.forEach(({ terms, fromZero }, r) => {
    if (terms.length !== 2) throw new Error('internal: sums on the sphere have two terms');
    const [[c1, i1, s1], [c2, i2, s2]] = terms;
    pairByRows(fromZero ? 0 : -0, s1, radians[c1][i1]!, s2, radians[c2][i2]!, lat, grid.inverse, outs[r]);
  });
}

/** out[p] = (start + s1·(x[p]·c)) + s2·(y[p]·c), c the factor of p's position along `lat` (scaledByLatitude's runs). */
// biome-ignore format: the arguments together
function pairByRows(start: number, s1: number, x: Float64Array, s2: number, y: Float64Array, lat: AxisPlan, factor: Float64Array, out: Float64Array): void {
  const { n, inner, outer } = lat;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < n; i++) {
      const c = factor[i];
      for (let p = (o * n + i) * inner, z = p + inner; p < z; p++) out[p] = start + s1 * (x[p] * c) + s2 * (y[p] * c);
    }
}

/** north /= R and east scaled by 1/(R cos φ) of its latitude, in one loop (scaledByLatitude's runs). */
function scaledOnSphere(north: Float64Array, east: Float64Array, lat: AxisPlan, grid: SphereGrid): void {
  const { n, inner, outer } = lat;
  const { radius, inverse } = grid;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < n; i++) {
      const c = inverse[i];
      for (let p = (o * n + i) * inner, z = p + inner; p < z; p++) {
        north[p] /= radius;
        east[p] = east[p] * c;
      }
    }
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
