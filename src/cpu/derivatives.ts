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
import { kernelInput, kernelInputs } from './kernel-input.js';
import { isView, type Values } from './lines.js';
import { KeptScratch } from './scratch.js';

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
  return runInto(program, [kernelInput(values)], options?.out, [memory], 'one per multi-index');
}

/** The d(d+1)/2 second partials ∂²f/∂x_i∂x_j, i ≤ j, row-major ((0,0), (0,1), …, (1,1), …), in float64. */
export function cpuHessian(data: NumericArray | NdarrayLike, options?: CpuDerivativeOptions): Float64Array[] {
  const { info, values, memory } = cpuInput(data);
  const program = hessianProgram(info, options, CPU_KEYS);
  return runInto(program, [kernelInput(values)], options?.out, [memory], 'one per second partial, i ≤ j');
}

/**
 * Σ_k A_kᵀ v_k: the transpose of cpuGradient's operator along each selected axis applied to component k
 * (every option family but gaps and grids; a 'constant' side's ghost values are the affine part, which the
 * transpose leaves out). With `derivatives`, Σ_o D_oᵀ v_o over the multi-indices. One array of the data's length.
 */
export function cpuGradientAdjoint(components: readonly (NumericArray | NdarrayLike)[], options?: CpuAdjointOptions): Float64Array {
  const { info, values, memory } = cpuComponents(components);
  const program = adjointProgram(info as DataInfo, values.length, options as never, CPU_KEYS);
  return runInto(program, kernelInputs(values), options?.out, memory, 'one, the adjoint')[0];
}

/** Options the CPU calls take besides the program's. */
const CPU_KEYS = ['out'];

/** The program's outputs in `out` (checked: cpuOut) or in fresh arrays. */
function runInto(program: Program, inputs: readonly Values[], out: unknown, memory: readonly NumericArray[], what: string): Float64Array[] {
  const targets = cpuOut(out, program.outputs.length, program.plan.size, memory, what);
  runProgram(program, inputs, targets.arrays);
  return targets.finish();
}

/**
 * A program's outputs from its inputs (flat C order or views). A term's last factor adds into its output
 * directly; the factors before it go through at most two scratch arrays (kept: scratch.ts). The Hessian at 512², Node
 * 20 on this VM: 23.0 ms with a fresh array per factor and a pass adding each term, 14.9 without them,
 * 4.3–6.1 with runs (applyAlong); the gradient 1.3–3.1 (bench/NOTES.md, eighth session).
 */
export function runProgram(
  program: Program,
  inputs: readonly Values[],
  outputs: readonly Float64Array[] = program.outputs.map(() => new Float64Array(program.plan.size)),
): Float64Array[] {
  const N = program.plan.size;
  const flat = inputs.map((v) => (isView(v) ? gathered(v, N) : v));
  const longest = Math.max(0, ...program.outputs.flatMap((terms) => terms.map((t) => t.factors.length)));
  const factors = Array.from({ length: Math.min(longest - 1, 2) }, (_, slot) => kept.array(slot, N));
  // The first term of an output stores, the others add: `out` may hold a previous call's results.
  program.outputs.forEach((terms, k) => {
    if (terms.length === 0) outputs[k].fill(0);
    terms.forEach((term, t) => addTerm(term, flat[term.component], outputs[k], factors, t > 0));
  });
  return outputs as Float64Array[];
}

/** The programs' scratch arrays (scratch.ts). */
const kept = new KeptScratch();

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
 * Rows of an operator that share one set of taps: the same weights at the same offsets from the row (the
 * interior of a uniform axis is one run), the zero weights dropped and a periodic row's columns already
 * wrapped, so that applying a run reads its taps once.
 */
interface Run {
  readonly from: number;
  readonly to: number;
  readonly bias: number;
  /** Column − row of each non-zero weight, in the row's order. */
  readonly offsets: Int32Array;
  readonly weights: Float64Array;
}

const runsOfOperator = new WeakMap<AxisOperator, readonly Run[] | null>();

/** Whether row `j` has row `i`'s bias and weights at the same offsets from the row, neither wrapping. */
function sameRow(op: AxisOperator, i: number, j: number): boolean {
  const { n, width, start, weights, bias, periodic } = op;
  if (bias[j] !== bias[i] || start[j] - j !== start[i] - i) return false;
  if (periodic && (start[j] < 0 || start[j] + width > n)) return false;
  for (let k = 0; k < width; k++) if (weights[j * width + k] !== weights[i * width + k]) return false;
  return true;
}

/**
 * The operator's rows as runs (made once an operator), or null where runs would be short (uneven
 * coordinates give every row weights of its own): those are applied row by row.
 */
function runsOf(op: AxisOperator): readonly Run[] | null {
  const found = runsOfOperator.get(op);
  if (found !== undefined) return found;
  const { n, width, start, weights, bias, periodic } = op;
  const runs: Run[] = [];
  for (let i = 0; i < n && runs.length * 4 <= n; ) {
    const wraps = periodic && (start[i] < 0 || start[i] + width > n);
    let j = i + 1;
    if (!wraps) while (j < n && sameRow(op, i, j)) j++;
    const offsets: number[] = [];
    const w: number[] = [];
    for (let k = 0; k < width; k++) {
      const weight = weights[i * width + k];
      if (weight === 0) continue;
      offsets.push((periodic ? (((start[i] + k) % n) + n) % n : start[i] + k) - i);
      w.push(weight);
    }
    runs.push({ from: i, to: j, bias: bias[i], offsets: Int32Array.from(offsets), weights: Float64Array.from(w) });
    i = j;
  }
  const result = runs.length * 4 <= n ? runs : null;
  runsOfOperator.set(op, result);
  return result;
}

/**
 * result (+)= op applied along an axis of the C-order view (outer, n, inner): each row's sum is its bias
 * plus its taps in order, then stored (or added, `accumulate`). Along the last axis a run of rows with two
 * or three taps reads them from locals; along another axis each tap is added over a row's `inner` points at
 * once. 512², a three-tap second difference along the last axis: 0.68 ms by runs against 2.49 ms row by row
 * (each row's weights, zeros and wrap read per point), a fixed loop 0.45 ms (bench/NOTES.md, eighth session).
 */
function applyAlong(op: AxisOperator, outer: number, inner: number, f: ArrayLike<number>, result: Float64Array, accumulate: boolean): void {
  const runs = runsOf(op);
  if (!runs) {
    applyRows(op, outer, inner, f, result, accumulate);
    return;
  }
  const plane = op.n * inner;
  const sums = inner > 1 ? new Float64Array(inner) : null;
  for (let o = 0; o < outer; o++) {
    const base = o * plane;
    for (const run of runs) {
      const { offsets, weights, bias } = run;
      const T = offsets.length;
      if (sums === null) {
        const first = base + run.from;
        const last = base + run.to;
        if (T === 2) {
          const o0 = offsets[0];
          const o1 = offsets[1];
          const w0 = weights[0];
          const w1 = weights[1];
          for (let p = first; p < last; p++) {
            const sum = bias + w0 * f[p + o0] + w1 * f[p + o1];
            result[p] = accumulate ? result[p] + sum : sum;
          }
        } else if (T === 3) {
          const o0 = offsets[0];
          const o1 = offsets[1];
          const o2 = offsets[2];
          const w0 = weights[0];
          const w1 = weights[1];
          const w2 = weights[2];
          for (let p = first; p < last; p++) {
            const sum = bias + w0 * f[p + o0] + w1 * f[p + o1] + w2 * f[p + o2];
            result[p] = accumulate ? result[p] + sum : sum;
          }
        } else {
          for (let p = first; p < last; p++) {
            let sum = bias;
            for (let t = 0; t < T; t++) sum += weights[t] * f[p + offsets[t]];
            result[p] = accumulate ? result[p] + sum : sum;
          }
        }
        continue;
      }
      for (let i = run.from; i < run.to; i++) {
        const at = base + i * inner;
        // Two or three taps (second order, first derivatives inside): one pass over the line, summed in the
        // order the general loop sums, so the results are the same bits.
        if (T === 2 || T === 3) {
          const a0 = at + offsets[0] * inner;
          const a1 = at + offsets[1] * inner;
          const w0 = weights[0];
          const w1 = weights[1];
          if (T === 2) {
            if (accumulate) for (let j = 0; j < inner; j++) result[at + j] += bias + w0 * f[a0 + j] + w1 * f[a1 + j];
            else for (let j = 0; j < inner; j++) result[at + j] = bias + w0 * f[a0 + j] + w1 * f[a1 + j];
          } else {
            const a2 = at + offsets[2] * inner;
            const w2 = weights[2];
            if (accumulate) for (let j = 0; j < inner; j++) result[at + j] += bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j];
            else for (let j = 0; j < inner; j++) result[at + j] = bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j];
          }
          continue;
        }
        sums.fill(bias);
        for (let t = 0; t < T; t++) {
          const w = weights[t];
          const from = at + offsets[t] * inner;
          for (let j = 0; j < inner; j++) sums[j] += w * f[from + j];
        }
        if (accumulate) for (let j = 0; j < inner; j++) result[at + j] += sums[j];
        else result.set(sums, at);
      }
    }
  }
}

/** result (+)= op applied along an axis, row by row: each row's weights, zeros and wrap read per point. */
function applyRows(op: AxisOperator, outer: number, inner: number, f: ArrayLike<number>, result: Float64Array, accumulate: boolean): void {
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
