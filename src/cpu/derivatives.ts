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
import { cpuComponents, cpuInput, gathered } from './input.js';
import { isView, type Values } from './lines.js';

/**
 * The float64 references of derivatives of any order, the Hessian and adjoints: each term's operators
 * applied one axis after another (src/derivatives.ts builds them), each row reading its window of columns.
 */

/** One result per multi-index of `derivatives` (the order along each selected axis), in float64. */
export function cpuDerivatives(data: NumericArray | NdarrayLike, options: DerivativeOptions): Float64Array[] {
  const { info, values } = cpuInput(data);
  return runProgram(derivativesProgram(info, options), [values]);
}

/** The d(d+1)/2 second partials ∂²f/∂x_i∂x_j, i ≤ j, row-major ((0,0), (0,1), …, (1,1), …), in float64. */
export function cpuHessian(data: NumericArray | NdarrayLike, options?: DerivativeOptions): Float64Array[] {
  const { info, values } = cpuInput(data);
  return runProgram(hessianProgram(info, options), [values]);
}

/**
 * Σ_k A_kᵀ v_k: the transpose of cpuGradient's operator along each selected axis applied to component k
 * (every option family but gaps and grids; a 'constant' side's ghost values are the affine part, which the
 * transpose leaves out). With `derivatives`, Σ_o D_oᵀ v_o over the multi-indices. One array of the data's length.
 */
export function cpuGradientAdjoint(components: readonly (NumericArray | NdarrayLike)[], options?: AdjointOptions): Float64Array {
  const { info, values } = cpuComponents(components);
  return runProgram(adjointProgram(info as DataInfo, values.length, options as never), values)[0];
}

/** A program's outputs from its inputs (flat C order or views). */
export function runProgram(program: Program, inputs: readonly Values[]): Float64Array[] {
  const N = program.plan.size;
  const flat = inputs.map((v) => (isView(v) ? gathered(v, N) : v));
  return program.outputs.map((terms) => {
    const out = new Float64Array(N);
    for (const term of terms) addTerm(term, flat[term.component], out);
    return out;
  });
}

/** out += the term's operators applied to f, one axis after another. */
function addTerm(term: Term, f: ArrayLike<number>, out: Float64Array): void {
  let current: ArrayLike<number> = f;
  for (const { axis, op } of term.factors) {
    const next = new Float64Array(out.length);
    applyAlong(op, axis.outer, axis.inner, current, next);
    current = next;
  }
  for (let p = 0; p < out.length; p++) out[p] += current[p];
}

/** result = op applied along an axis of the C-order view (outer, n, inner). */
function applyAlong(op: AxisOperator, outer: number, inner: number, f: ArrayLike<number>, result: Float64Array): void {
  const { n, width, start, weights, bias, periodic } = op;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const row = i * width;
      for (let j = 0; j < inner; j++) {
        const base = o * n * inner + j;
        let sum = bias[i];
        for (let k = 0; k < width; k++) {
          const w = weights[row + k];
          if (w === 0) continue;
          let c = start[i] + k;
          if (periodic) c = ((c % n) + n) % n;
          sum += w * f[base + c * inner];
        }
        result[base + i * inner] = sum;
      }
    }
  }
}
