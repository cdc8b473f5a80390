import type { DataInfo } from '../data.js';
import {
  type AdjointOptions,
  type AxisOperator,
  adjointProgram,
  type DerivativeOptions,
  derivativesProgram,
  hessianProgram,
  type Program,
  type Term,
} from '../derivatives.js';
import type { NumericArray } from '../types.js';
import type { NdarrayLike } from '../view.js';
import { cpuComponents, cpuInput, cpuOut, gathered } from './input.js';
import { isView, type Values } from './lines.js';

/**
 * The float64 references of derivatives of any order, the Hessian and adjoints: each term's operators
 * applied one axis after another (src/derivatives.ts builds them), each row reading its window of columns.
 */

/** Options of the CPU derivatives and the Hessian: the plan's options and `out`. */
export interface CpuDerivativeOptions extends DerivativeOptions {
  /**
   * Arrays to write the results into, one Float64Array (or a view of one) of the data's length per
   * output; they are returned. Reusing them across calls avoids the cost of fresh memory.
   */
  out?: (Float64Array | NdarrayLike<Float64Array>)[];
}

/** Options of cpuGradientAdjoint: the adjoint's options and `out` (see CpuDerivativeOptions; one array). */
export type CpuAdjointOptions = AdjointOptions & Pick<CpuDerivativeOptions, 'out'>;

/** One result per multi-index of `derivatives` (the order along each selected axis), in float64. */
export function cpuDerivatives(data: NumericArray | NdarrayLike, options: CpuDerivativeOptions): Float64Array[] {
  const { info, values, memory } = cpuInput(data);
  const program = derivativesProgram(info, options, CPU_KEYS);
  return runInto(program, [values], options?.out, [memory], 'one per multi-index');
}

/** The d(d+1)/2 second partials ∂²f/∂x_i∂x_j, i ≤ j, row-major ((0,0), (0,1), …, (1,1), …), in float64. */
export function cpuHessian(data: NumericArray | NdarrayLike, options?: CpuDerivativeOptions): Float64Array[] {
  const { info, values, memory } = cpuInput(data);
  const program = hessianProgram(info, options, CPU_KEYS);
  return runInto(program, [values], options?.out, [memory], 'one per second partial, i ≤ j');
}

/**
 * Σ_k A_kᵀ v_k: the transpose of cpuGradient's operator along each selected axis applied to component k
 * (every option family but gaps and grids; a 'constant' side's ghost values are the affine part, which the
 * transpose leaves out). With `derivatives`, Σ_o D_oᵀ v_o over the multi-indices. One array of the data's length.
 */
export function cpuGradientAdjoint(components: readonly (NumericArray | NdarrayLike)[], options?: CpuAdjointOptions): Float64Array {
  const { info, values } = cpuComponents(components);
  const program = adjointProgram(info as DataInfo, values.length, options as never, CPU_KEYS);
  return runInto(program, values, options?.out, values.map(memoryOf), 'one, the adjoint')[0];
}

/** Options the CPU calls take besides the program's. */
const CPU_KEYS = ['out'];

/** The memory an input reads: a flat array, or a view's data. */
function memoryOf(values: Values): NumericArray {
  return isView(values) ? (values.data as NumericArray) : (values as NumericArray);
}

/** The program's outputs in `out` (checked: cpuOut) or in fresh arrays. */
function runInto(program: Program, inputs: readonly Values[], out: unknown, memory: readonly NumericArray[], what: string): Float64Array[] {
  const targets = cpuOut(out, program.outputs.length, program.plan.size, memory, what);
  runProgram(program, inputs, targets.arrays);
  return targets.finish();
}

/**
 * A program's outputs from its inputs (flat C order or views). A term's last factor adds into its output
 * directly; the factors before it go through two scratch arrays made once a call. 512², Node 20 on this VM:
 * the Hessian 15.5–23.7 ms before (a fresh array per factor and a pass adding each term), and the gradient
 * 2.8–3.1 ms (bench/NOTES.md, eighth session).
 */
export function runProgram(
  program: Program,
  inputs: readonly Values[],
  outputs: readonly Float64Array[] = program.outputs.map(() => new Float64Array(program.plan.size)),
): Float64Array[] {
  const N = program.plan.size;
  const flat = inputs.map((v) => (isView(v) ? gathered(v, N) : v));
  const longest = Math.max(0, ...program.outputs.flatMap((terms) => terms.map((t) => t.factors.length)));
  const scratch = Array.from({ length: Math.min(longest - 1, 2) }, () => new Float64Array(N));
  // The first term of an output stores, the others add: `out` may hold a previous call's results.
  program.outputs.forEach((terms, k) => {
    if (terms.length === 0) outputs[k].fill(0);
    terms.forEach((term, t) => addTerm(term, flat[term.component], outputs[k], scratch, t > 0));
  });
  return outputs as Float64Array[];
}

/** out (+)= the term's operators applied to f, one axis after another; `accumulate`: add to what out holds. */
function addTerm(term: Term, f: ArrayLike<number>, out: Float64Array, scratch: Float64Array[], accumulate: boolean): void {
  let current: ArrayLike<number> = f;
  const { factors } = term;
  for (let q = 0; q < factors.length; q++) {
    const { axis, op } = factors[q];
    const last = q === factors.length - 1;
    const next = last ? out : scratch[q % 2];
    applyAlong(op, axis.outer, axis.inner, current, next, last && accumulate);
    current = next;
  }
}

/**
 * result (+)= op applied along an axis of the C-order view (outer, n, inner): each row's sum is built from
 * its bias and its taps in order, then stored (or added, `accumulate`). Along the last axis a row sums
 * its taps at one point; along another, each tap is added over the `inner` points of a row at once.
 */
function applyAlong(op: AxisOperator, outer: number, inner: number, f: ArrayLike<number>, result: Float64Array, accumulate: boolean): void {
  const { n, width, start, weights, bias, periodic } = op;
  const plane = n * inner;
  const sums = inner > 1 ? new Float64Array(inner) : null;
  for (let o = 0; o < outer; o++) {
    const base = o * plane;
    for (let i = 0; i < n; i++) {
      const row = i * width;
      const first = start[i];
      const wraps = periodic && (first < 0 || first + width > n);
      const at = base + i * inner;
      if (sums === null) {
        let sum = bias[i];
        for (let k = 0; k < width; k++) {
          const w = weights[row + k];
          if (w === 0) continue;
          const c = wraps ? (((first + k) % n) + n) % n : first + k;
          sum += w * f[base + c];
        }
        result[at] = accumulate ? result[at] + sum : sum;
        continue;
      }
      sums.fill(bias[i]);
      for (let k = 0; k < width; k++) {
        const w = weights[row + k];
        if (w === 0) continue;
        const c = wraps ? (((first + k) % n) + n) % n : first + k;
        const from = base + c * inner;
        for (let j = 0; j < inner; j++) sums[j] += w * f[from + j];
      }
      if (accumulate) for (let j = 0; j < inner; j++) result[at + j] += sums[j];
      else result.set(sums, at);
    }
  }
}
