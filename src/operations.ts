import { checkComponentCount, checkLaplacian } from './components.js';
import { curlOf, divergenceOf, laplacianOf, magnitudeOf } from './cpu/derived.js';
import { gradientAlong } from './cpu/gradient.js';
import { gridResults } from './cpu/grid.js';
import { describe, GradientError } from './errors.js';
import type { Plan } from './plan.js';
import type { NumericArray } from './types.js';

/**
 * The operation registry: one object per operation, holding everything the rest of the code asks about
 * it — its checks, how many arrays it reads and writes, how far its stencil reaches, which coefficients
 * it reads, its shader entry and op constant, and its float64 CPU reference. Planners, the host path,
 * prepared kernels, streaming and images ask the registry instead of switching on names, so the CPU and
 * GPU paths cannot disagree about an operation. Adding one: docs/architecture.md, "Adding an operation".
 */

/** What a dispatch computes: every axis's derivative, or one of the fused results. */
export type Operation = 'gradient' | 'magnitude' | 'divergence' | 'curl2' | 'curl3' | 'laplacian';

/** The coefficients of one axis the shader can read (see gpu/coefficients.ts): each operation names the ones it uses. */
export interface AxisCoefficientSet {
  readonly cInt: number;
  readonly invHLo: number;
  readonly invHHi: number;
  readonly c4: number;
  readonly invH2: number;
  readonly lo: readonly number[];
  readonly hi: readonly number[];
}

export interface OperationSpec {
  readonly name: Operation;
  /** The public name (host methods, one-call functions, `derived`); curl's two operations share one, told apart by `axes`. */
  readonly publicName: OperationName;
  /** The number of selected axes it is for, where its public name has one operation per count (curl). */
  readonly axes?: number;
  /** The shader's `OP` override; WGSL names it `constant` (OP_GRADIENT, …), generated from this table. */
  readonly code: number;
  readonly constant: string;
  /** Entry points `main_<layout>` or `curl_<layout>` (curl pairs slot k with component k). */
  readonly entry: 'main' | 'curl';
  /** One output per selected axis, dispatched axis by axis and chunked to fit bindings (planSteps); else one fused pass (planFusedSteps). */
  readonly perAxis: boolean;
  /** Second differences: numpy's edge order does not apply (its edge stencil is fixed), and an edge point reads three rows in. */
  readonly secondDifference: boolean;
  /** How an error message names its result (`out` for "the magnitude result"). */
  readonly result: string;
  /** Arrays it reads (components of a field, stacked in the GPU input). */
  inputs(plan: Plan): number;
  /** Arrays it writes (0 when nothing is differentiated: no gradients). */
  outputs(plan: Plan): number;
  /** Its own refusals, after the plan's: component counts, the Laplacian's uniform steps. */
  check(plan: Plan, inputs: number): void;
  /** The coefficients of an axis it reads, each of which float32 must hold. */
  coefficients(c: AxisCoefficientSet): number[];
  /** The float64 reference: the inputs (as many as `inputs`) to the outputs. */
  cpu(inputs: readonly NumericArray[], plan: Plan): Float64Array[];
  /**
   * On a curvilinear grid or the sphere (plan.grid): its results from the physical derivatives
   * g[c][i] = ∂v_c/∂x_i of its inputs, written into its outputs (src/cpu/grid.ts; shaders/grid.wgsl
   * combines them alike); null where `gridSums` says it instead, or where it is refused on grids (both
   * null: the Laplacian).
   */
  readonly onGrid: ((g: readonly (readonly Float64Array[])[], outs: readonly Float64Array[]) => void) | null;
  /**
   * Where each result on a grid is a signed sum of physical derivatives (divergence, curl): per output,
   * its terms for `d` physical axes. The CPU (src/cpu/grid.ts) adds them without forming the physical
   * derivatives: a curvilinear grid's from the metric terms and the index-space derivatives, the sphere's
   * from the radian derivatives the terms read, scaled as they are added. Null for the others.
   */
  readonly gridSums: ((d: number) => readonly GridSum[]) | null;
  /**
   * On the sphere: whether its latitude derivatives are of v·cos φ (the flux form of divergence and curl)
   * rather than of v.
   */
  readonly fluxForm: boolean;
}

/**
 * One output on a grid as a sum: `out = start + sign·g[c][i] + …`, the terms [c, i, sign] (input c's
 * derivative along physical axis i) added in order to `start`: +0 `fromZero`, else −0 (−0 + x is x for
 * every x, −0 included, so the first term is then taken as it is).
 */
export interface GridSum {
  /** Two or more. */
  readonly terms: readonly [GridTerm, GridTerm, ...GridTerm[]];
  readonly fromZero: boolean;
}

/** Input c's derivative along physical axis i, and its sign. */
export type GridTerm = readonly [c: number, i: number, sign: 1 | -1];

/** Divergence's sum: Σ_c ∂v_c/∂x_c from +0. */
function divergenceSums(d: number): readonly GridSum[] {
  const third = Array.from({ length: d - 2 }, (_, k): GridTerm => [k + 2, k + 2, 1]);
  return [{ terms: [[0, 0, 1], [1, 1, 1], ...third], fromZero: true }];
}

/** Curl's sums: one output ∂v_1/∂x_0 − ∂v_0/∂x_1 for two axes; for three, component k of ∇ × v. */
function curlSums(d: number): readonly GridSum[] {
  const term = (a: number, b: number): GridSum => ({
    terms: [
      [b, a, 1],
      [a, b, -1],
    ],
    fromZero: false,
  });
  return d === 2 ? [term(0, 1)] : [term(1, 2), term(2, 0), term(0, 1)];
}

const firstDerivative = (c: AxisCoefficientSet) => [c.cInt, c.invHLo, c.invHHi, c.c4, ...c.lo, ...c.hi];
const one = () => 1;
const perSelectedAxis = (plan: Plan) => plan.axes.length;
const nothing = () => {};

/** Curl over `axes` selected axes (one output for 2, three for 3), op code `code`. */
function curl(axes: 2 | 3, code: number): OperationSpec {
  return {
    name: axes === 2 ? 'curl2' : 'curl3',
    publicName: 'curl',
    axes,
    code,
    constant: axes === 2 ? 'OP_CURL2' : 'OP_CURL3',
    entry: 'curl',
    perAxis: false,
    secondDifference: false,
    result: 'curl',
    inputs: perSelectedAxis,
    outputs: () => (axes === 2 ? 1 : 3),
    check: (plan, inputs) => checkComponentCount(plan, inputs, 'curl'),
    coefficients: firstDerivative,
    cpu: (v, plan) => curlOf(v, plan),
    onGrid: null,
    gridSums: curlSums,
    fluxForm: true,
  };
}

/** The registry, by operation. `code` values are the shader's; a test pins them to the WGSL constants. */
export const OPERATIONS: Readonly<Record<Operation, OperationSpec>> = {
  gradient: {
    name: 'gradient',
    publicName: 'gradient',
    code: 0,
    constant: 'OP_GRADIENT',
    entry: 'main',
    perAxis: true,
    secondDifference: false,
    result: 'gradient',
    inputs: one,
    outputs: perSelectedAxis,
    check: nothing,
    coefficients: firstDerivative,
    cpu: ([f], plan) => {
      const outs = plan.axes.map(() => new Float64Array(plan.size));
      if (plan.grid) gridResults('gradient', [f], plan, outs);
      else outs.forEach((out, k) => gradientAlong(f, plan, k, out));
      return outs;
    },
    onGrid: ([g], outs) => {
      for (let i = 0; i < g.length; i++) outs[i].set(g[i]);
    },
    gridSums: null,
    fluxForm: false,
  },
  magnitude: {
    name: 'magnitude',
    publicName: 'magnitude',
    code: 1,
    constant: 'OP_MAGNITUDE',
    entry: 'main',
    perAxis: false,
    secondDifference: false,
    result: 'magnitude',
    inputs: one,
    outputs: one,
    check: nothing,
    coefficients: firstDerivative,
    cpu: ([f], plan) => [magnitudeOf(f, plan)],
    // √(0 + x² + y² (+ z²)) in one loop, the squares added in axis order to 0, as the sum filled with 0
    // and added to pass by pass did: the 1024² magnitude on the sphere 0.67–0.71× of that (six paired
    // processes; bench/NOTES.md, twenty-first session).
    onGrid: ([g], [out]) => {
      const [x, y, z] = g;
      if (g.length === 2) for (let p = 0; p < out.length; p++) out[p] = Math.sqrt(0 + x[p] * x[p] + y[p] * y[p]);
      else for (let p = 0; p < out.length; p++) out[p] = Math.sqrt(0 + x[p] * x[p] + y[p] * y[p] + z[p] * z[p]);
    },
    gridSums: null,
    fluxForm: false,
  },
  divergence: {
    name: 'divergence',
    publicName: 'divergence',
    code: 2,
    constant: 'OP_DIVERGENCE',
    entry: 'main',
    perAxis: false,
    secondDifference: false,
    result: 'divergence',
    inputs: perSelectedAxis,
    outputs: one,
    check: (plan, inputs) => checkComponentCount(plan, inputs, 'divergence'),
    coefficients: firstDerivative,
    cpu: (v, plan) => [divergenceOf(v, plan)],
    onGrid: null,
    gridSums: divergenceSums,
    fluxForm: true,
  },
  curl2: curl(2, 3),
  curl3: curl(3, 4),
  laplacian: {
    name: 'laplacian',
    publicName: 'laplacian',
    code: 5,
    constant: 'OP_LAPLACIAN',
    entry: 'main',
    perAxis: false,
    secondDifference: true,
    result: 'Laplacian',
    inputs: one,
    outputs: one,
    check: (plan) => checkLaplacian(plan),
    coefficients: (c) => [c.invH2],
    cpu: ([f], plan) => [laplacianOf(f, plan)],
    onGrid: null,
    gridSums: null,
    fluxForm: false,
  },
};

/**
 * Whether an operation's work on a plan is dispatched axis by axis (one output per axis, chunked to fit
 * bindings, outputs in separate buffers if need be) rather than in one fused pass: per-axis operations,
 * except on a grid, where every physical axis needs every index-space derivative (grid.wgsl).
 */
export function dispatchedPerAxis(op: Operation, plan: Plan): boolean {
  return OPERATIONS[op].perAxis && plan.grid === null;
}

/** Outputs an operation writes for a plan: none of a gradient over no axes, else the operation's count. */
export function outputsOf(op: Operation, plan: Plan): number {
  const spec = OPERATIONS[op];
  return plan.axes.length === 0 ? (spec.perAxis ? 0 : 1) : spec.outputs(plan);
}

/** The public names of the operations (the host methods, `derived`): curl is one name for two operations. */
export type OperationName = 'gradient' | 'magnitude' | 'divergence' | 'curl' | 'laplacian';

/**
 * The operation a public name asks for on a plan, with its checks run: curl is 'curl2' or 'curl3' by the
 * number of selected axes (refused otherwise). `inputs`: the arrays given (the plan's axis count for
 * GPU-resident work, whose stacked components are not counted).
 */
export function operationFor(name: OperationName, plan: Plan, inputs: number): Operation {
  const named = Object.values(OPERATIONS).filter((o) => o.publicName === name);
  // Curl: the operation for this many axes, else the last, whose check refuses the count.
  const spec = named.find((o) => o.axes === undefined || o.axes === plan.axes.length) ?? named[named.length - 1];
  spec.check(plan, inputs);
  return spec.name;
}

/** The fused operations' public names, in the registry's order (what `derived` takes). */
const DERIVED_NAMES = [...new Set(Object.values(OPERATIONS).map((o) => o.publicName))].filter((n) => n !== 'gradient');

/** `prepare`'s `derived` option: a fused operation's name, or undefined for the gradient. */
export function derivedOperation(derived: unknown, plan: Plan): Operation {
  if (derived === undefined) return 'gradient';
  if ((DERIVED_NAMES as unknown[]).includes(derived)) return operationFor(derived as OperationName, plan, plan.axes.length);
  const names = DERIVED_NAMES.map((n) => `'${n}'`);
  throw new GradientError(
    'invalid-option',
    `derived: ${describe(derived)} must be ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`,
  );
}
