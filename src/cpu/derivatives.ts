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
import { PlanMemo } from '../plan-memo.js';
import type { NumericArray } from '../types.js';
import type { NdarrayLike } from '../view.js';
import { fusedHessian2d, hessianRows } from './hessian-2d.js';
import { fusedHessian3d, hessianRows3d } from './hessian-3d.js';
import { cpuComponents, cpuInput, cpuOut, gathered } from './input.js';
import { kernelInputs } from './kernel-input.js';
import { isView, type Values } from './lines.js';
import { denseSpans, type Run, runsOf, type Taps, wraps } from './runs.js';
import { KeptScratch } from './scratch.js';
import { dense3, storeTaps } from './tap-loops.js';

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
  return computeProgram(programCall('derivatives', data, options), options?.out);
}

/** The d(d+1)/2 second partials ∂²f/∂x_i∂x_j, i ≤ j, row-major ((0,0), (0,1), …, (1,1), …), in float64. */
export function cpuHessian(data: NumericArray | NdarrayLike, options?: CpuDerivativeOptions): Float64Array[] {
  return computeProgram(programCall('hessian', data, options), options?.out);
}

/**
 * Σ_k A_kᵀ v_k: the transpose of cpuGradient's operator along each selected axis applied to component k
 * (every option family but gaps and grids; a 'constant' side's ghost values are the affine part, which the
 * transpose leaves out). With `derivatives`, Σ_o D_oᵀ v_o over the multi-indices. One array of the data's length.
 */
export function cpuGradientAdjoint(components: readonly (NumericArray | NdarrayLike)[], options?: CpuAdjointOptions): Float64Array {
  return computeProgram(programCall('adjoint', components, options), options?.out)[0];
}

/** Options the CPU calls take besides the program's. */
const CPU_KEYS = ['out'];

/** The calls that run a program: derivatives of any order, the Hessian, the gradient's adjoint. */
export type ProgramKind = 'derivatives' | 'hessian' | 'adjoint';

/** How `out` names each kind's results. */
const RESULTS: Readonly<Record<ProgramKind, string>> = {
  derivatives: 'one per multi-index',
  hessian: 'one per second partial, i ≤ j',
  adjoint: 'one, the adjoint',
};

/** A program call's checked arguments: its program, its inputs (before kernelInputs), their memory, and how `out` names its results. */
export interface ProgramCall {
  readonly program: Program;
  readonly values: Values[];
  readonly memory: NumericArray[];
  readonly what: string;
}

/**
 * The program of a kind (the data's description, the number of components and the options checked): a
 * recent call's (plan-memo.ts) where this one repeats its arguments, as the GPU's program calls find
 * theirs (gpu/table.ts). Building one probes cpuGradient along each axis for its operators (derivatives.ts
 * gradientOperator) and transposes them for the adjoint: 1024², the 2-D adjoint into `out` took 7.8 ms
 * a call before programs were kept, 10 % of it building its operators (CPU profile, twentieth session).
 */
export function programOf(kind: ProgramKind, info: DataInfo, count: number, options: unknown): Program {
  const kept = recentPrograms.find(kind, count, info, options);
  if (kept) return kept;
  const program =
    kind === 'derivatives'
      ? derivativesProgram(info, options as DerivativeOptions, CPU_KEYS)
      : kind === 'hessian'
        ? hessianProgram(info, options as DerivativeOptions | undefined, CPU_KEYS)
        : adjointProgram(info, count, options as never, CPU_KEYS);
  recentPrograms.remember(kind, count, info, options, program);
  return program;
}

/** Programs of recent CPU calls (plan-memo.ts), per thread. */
const recentPrograms = new PlanMemo<Program>(CPU_KEYS);

/** Checks a program call's arguments (the cpu functions' and cpuWorkers' methods'), refusing bad ones with a GradientError. */
export function programCall(kind: ProgramKind, data: unknown, options: unknown): ProgramCall {
  let info: DataInfo, values: Values[], memory: NumericArray[];
  if (kind === 'adjoint') ({ info, values, memory } = cpuComponents(data));
  else {
    const one = cpuInput(data);
    info = one.info;
    values = [one.values];
    memory = [one.memory];
  }
  return { program: programOf(kind, info, values.length, options), values, memory, what: RESULTS[kind] };
}

/** A checked program call on the calling thread, into `out` (checked here) or fresh arrays; the caller's results. */
export function computeProgram(call: ProgramCall, out: unknown): Float64Array[] {
  const { program } = call;
  const targets = cpuOut(out, program.outputs.length, program.plan.size, call.memory, call.what);
  runProgram(program, kernelInputs(call.values), targets.arrays);
  return targets.finish();
}

/**
 * A program's outputs from its inputs (flat C order or views), by default over whole arrays: a term's last
 * factor adds into its output directly, the factors before it go through at most two scratch arrays (kept:
 * scratch.ts). `rows` computes slabs of that many positions of the first dimension instead (programRows),
 * which gives the same bits; on one thread slabs measured no faster (the 2048² Hessian 29.6–31.4 ms
 * against 25.4–26.0 over whole arrays: its passes are bound by their arithmetic), so they serve threads. A
 * 2-D or 3-D Hessian's interior takes one pass (hessian-2d.ts, hessian-3d.ts; `fused` false leaves it to
 * the passes, for tests): 16.6–16.8 ms against 26.1–26.4 at 2048², 22.8–24.0 against 29.7–30.1 at 128³.
 * The Hessian at 512², Node 20 on this VM: 23.0 ms with a fresh array per factor and a pass adding each
 * term, 14.9 without them, 4.3–6.1 with runs (applyAlong); the gradient 1.3–3.1 (bench/NOTES.md, eighth
 * and fifteenth sessions).
 */
export function runProgram(
  program: Program,
  inputs: readonly Values[],
  outputs: readonly Float64Array[] = program.outputs.map(() => new Float64Array(program.plan.size)),
  rows?: number,
  fused = true,
): Float64Array[] {
  const N = program.plan.size;
  const flat = inputs.map((v) => (isView(v) ? gathered(v, N) : v));
  const n0 = firstLength(program);
  const step = rows !== undefined && rowwise(program) ? rows : n0;
  for (let a = 0; a < n0; a += step) programRows(program, flat, outputs, a, Math.min(n0, a + step), fused);
  return outputs as Float64Array[];
}

/** Positions of the plan's first dimension (1 for a plan of no dimensions). */
function firstLength(program: Program): number {
  const { shape } = program.plan;
  return shape.length === 0 ? 1 : shape[0];
}

/**
 * Whether programRows takes any range of the first dimension: where no term differentiates the first
 * dimension after another axis. A factor after a term's first reads the scratch of the one before at its
 * own rows, which along the first dimension would be rows around them (wrapped, periodic). The programs
 * made today order a term's factors by axis, so this holds for all of them (test/derivatives.test.ts).
 */
export function rowwise(program: Program): boolean {
  return program.outputs.every((terms) => terms.every((t) => t.factors.every((f, q) => q === 0 || f.axis.axis !== 0)));
}

/**
 * The program's outputs at positions a..z of the first dimension (the whole array: 0..n), from flat
 * inputs; a range other than the whole only where `rowwise`. A factor before a term's last computes the
 * rows the next one reads into scratch, its first row at the scratch's start.
 */
export function programRows(
  program: Program,
  flat: readonly ArrayLike<number>[],
  outputs: readonly Float64Array[],
  a: number,
  z: number,
  fused = true,
): void {
  // A 2-D or 3-D Hessian's interior rows in one pass (hessian-2d.ts, hessian-3d.ts; `fused` false: by the
  // passes, for tests), the rows around them by the passes.
  const h = fused ? (fusedHessian2d(program) ?? fusedHessian3d(program)) : null;
  if (h === null) {
    termsAt(program, flat, outputs, a, z);
    return;
  }
  const ra = Math.min(Math.max(a, h.lo[0]), z),
    rz = Math.max(Math.min(z, h.hi[0]), ra);
  if (a < ra) termsAt(program, flat, outputs, a, ra);
  if (h.dims === 2) hessianRows(h, flat[0], outputs, ra, rz);
  else hessianRows3d(h, flat[0], outputs, ra, rz);
  if (rz < z) termsAt(program, flat, outputs, rz, z);
}

/** The program's outputs at positions a..z of the first dimension, term by term, factor by factor (programRows). */
function termsAt(program: Program, flat: readonly ArrayLike<number>[], outputs: readonly Float64Array[], a: number, z: number): void {
  const N = program.plan.size;
  if (N === 0 || a >= z) return;
  const n0 = firstLength(program);
  const row = N / n0;
  const longest = Math.max(0, ...program.outputs.flatMap((terms) => terms.map((t) => t.factors.length)));
  const scratch: Float64Array[] = [];
  for (let slot = 0; slot < Math.min(longest - 1, 2); slot++) scratch.push(kept.array(slot, (z - a) * row));
  // The first term of an output stores, the others add: `out` may hold a previous call's results.
  program.outputs.forEach((terms, k) => {
    if (terms.length === 0) outputs[k].fill(0, a * row, z * row);
    terms.forEach((term, t) => addTerm(term, flat[term.component], outputs[k], scratch, t > 0, a, z, n0));
  });
}

/** The programs' scratch arrays (scratch.ts). */
const kept = new KeptScratch();

/**
 * out (+)= the term's operators applied to f, one axis after another, at positions a..z of the first
 * dimension; `accumulate`: add to what out holds. A factor before the last computes the same rows into
 * scratch (its first row at the scratch's start): only a term's first factor differentiates along the
 * first dimension (rowwise), and it reads f itself.
 */
function addTerm(
  term: Term,
  f: ArrayLike<number>,
  out: Float64Array,
  scratch: Float64Array[],
  accumulate: boolean,
  a: number,
  z: number,
  n0: number,
): void {
  const { factors } = term;
  const row = out.length / n0;
  let current: ArrayLike<number> = f;
  let shift = 0;
  for (let q = 0; q < factors.length; q++) {
    const { axis, op } = factors[q];
    const last = q === factors.length - 1;
    const next = last ? out : scratch[q % 2];
    const nextShift = last ? 0 : a * row;
    if (axis.axis === 0) applyAlong(op, axis.inner, current, shift, next, nextShift, 0, 1, a, z, last && accumulate);
    else {
      const m = axis.outer / n0; // lines of this axis per position of the first dimension
      applyAlong(op, axis.inner, current, shift, next, nextShift, a * m, z * m, 0, op.n, last && accumulate);
    }
    current = next;
    shift = nextShift;
  }
}

/**
 * result (+)= op applied along an axis of the C-order view (outer, n, inner), at lines o0..o1 of the outer and rows
 * i0..i1 of the op: element p of the view is read at f[p − fShift] and written at result[p − rShift]. Each
 * row's sum is its bias plus its taps in order, then stored (or added, `accumulate`), by runs of equal rows
 * (lineTaps along the last axis, planeTaps along another) where the operator has them, else row by row
 * (applyRows; test/cpu-taps.test.ts holds the two to the same bits). 512², a three-tap second difference
 * along the last axis: 0.68 ms by runs against 2.49 ms row by row (each row's weights, zeros and wrap read
 * per point), a fixed loop 0.45 ms (bench/NOTES.md, eighth session).
 */
// biome-ignore format: the range's arguments in pairs
export function applyAlong(op: AxisOperator, inner: number, f: ArrayLike<number>, fShift: number, result: Float64Array, rShift: number, o0: number, o1: number, i0: number, i1: number, accumulate: boolean): void {
  const runs = runsOf(op);
  if (!runs) {
    unevenRows(op, inner, f, fShift, result, rShift, o0, o1, i0, i1, accumulate);
    return;
  }
  const plane = op.n * inner;
  const sums = inner > 1 ? new Float64Array(inner) : null;
  for (let o = o0; o < o1; o++) {
    const base = o * plane;
    for (const run of runs) {
      const from = Math.max(run.from, i0),
        to = Math.min(run.to, i1);
      if (from >= to) continue;
      if (sums === null) {
        // p indexes the result, p + d the data. Two and three taps (second order) in loops here: through
        // lineTaps, derivatives [[2, 1], [0, 1]] of 2048² took 1.22–1.32× as long (sixteenth session).
        const { offsets, weights, bias } = run;
        const T = offsets.length;
        const first = base + from - rShift;
        const last = base + to - rShift;
        const d = rShift - fShift;
        if (T === 2) {
          const o0 = offsets[0] + d;
          const o1 = offsets[1] + d;
          const w0 = weights[0];
          const w1 = weights[1];
          if (!accumulate && storeTaps(2, result, f, first, last, bias, o0, w0, o1, w1, 0, 0, 0, 0, 0, 0)) continue;
          for (let p = first; p < last; p++) {
            const sum = bias + w0 * f[p + o0] + w1 * f[p + o1];
            result[p] = accumulate ? result[p] + sum : sum;
          }
        } else if (T === 3) {
          const o0 = offsets[0] + d;
          const o1 = offsets[1] + d;
          const o2 = offsets[2] + d;
          const w0 = weights[0];
          const w1 = weights[1];
          const w2 = weights[2];
          if (!accumulate && storeTaps(3, result, f, first, last, bias, o0, w0, o1, w1, o2, w2, 0, 0, 0, 0)) continue;
          for (let p = first; p < last; p++) {
            const sum = bias + w0 * f[p + o0] + w1 * f[p + o1] + w2 * f[p + o2];
            result[p] = accumulate ? result[p] + sum : sum;
          }
        } else lineTaps(run, f, d, result, first, last, accumulate);
        continue;
      }
      for (let i = from; i < to; i++) {
        const at = base + i * inner;
        planeTaps(run, inner, f, at - fShift, result, at - rShift, sums, accumulate);
      }
    }
  }
}

/**
 * result[p] (+)= bias + Σ_t w_t · f[p + d + offset_t] for p in first..last, the taps summed in order: one,
 * four, five or six to nine taps (wideLine) in one loop, more (or none) five at a time into `LINE`
 * (addTaps: the same sums in the same order, so the same bits). The 2048² Hessian into `out` at accuracy
 * 4 / 6 / 8: 39–41 / 84 / 84 ms against 98–99 / 144 / 183 when every point beyond three taps looped over
 * its taps (bench/NOTES.md, sixteenth session).
 */
// biome-ignore format: the range's arguments in pairs
function lineTaps(run: Run, f: ArrayLike<number>, d: number, result: Float64Array, first: number, last: number, accumulate: boolean): void {
  const { offsets, weights, bias } = run;
  const T = offsets.length;
  if (T >= 6 && T <= 9) {
    wideLine(offsets, weights, bias, T, f, d, result, first, last, accumulate);
    return;
  }
  if (T > 5 || T === 0) {
    for (let a = first; a < last; a += LINE.length) {
      const count = Math.min(last - a, LINE.length);
      LINE.fill(bias, 0, count);
      for (let t = 0; t < T; t += 5) addTaps(LINE, count, f, a + d, 1, run, t);
      if (accumulate) for (let j = 0; j < count; j++) result[a + j] += LINE[j];
      else for (let j = 0; j < count; j++) result[a + j] = LINE[j];
    }
    return;
  }
  // One tap (a row of one weight) or four and five (fourth order); applyAlong loops over two and three.
  const o0 = offsets[0] + d;
  const w0 = weights[0];
  if (T === 1) {
    for (let p = first; p < last; p++) {
      const sum = bias + w0 * f[p + o0];
      result[p] = accumulate ? result[p] + sum : sum;
    }
    return;
  }
  const o1 = offsets[1] + d;
  const w1 = weights[1];
  const o2 = offsets[2] + d;
  const w2 = weights[2];
  const o3 = offsets[3] + d;
  const w3 = weights[3];
  const o4 = T > 4 ? offsets[4] + d : 0;
  const w4 = T > 4 ? weights[4] : 0;
  if (!accumulate && storeTaps(T, result, f, first, last, bias, o0, w0, o1, w1, o2, w2, o3, w3, o4, w4)) return;
  if (T === 4) {
    for (let p = first; p < last; p++) {
      const sum = bias + w0 * f[p + o0] + w1 * f[p + o1] + w2 * f[p + o2] + w3 * f[p + o3];
      result[p] = accumulate ? result[p] + sum : sum;
    }
    return;
  }
  for (let p = first; p < last; p++) {
    const sum = bias + w0 * f[p + o0] + w1 * f[p + o1] + w2 * f[p + o2] + w3 * f[p + o3] + w4 * f[p + o4];
    result[p] = accumulate ? result[p] + sum : sum;
  }
}

/**
 * sums[j] = sums[j] + w_t · f[at + column_t · stride + j] + … for taps t … t + 4 (fewer at the end), j <
 * count: added left to right, so taps added five at a time give the bits of one at a time.
 */
// biome-ignore format: the taps' arguments together
function addTaps(sums: Float64Array, count: number, f: ArrayLike<number>, at: number, stride: number, taps: Taps, t: number): void {
  const { weights, w0: w } = taps;
  const k = Math.min(5, taps.count - t);
  const a0 = at + column(taps, t) * stride;
  const w0 = weights[w + t];
  const a1 = k > 1 ? at + column(taps, t + 1) * stride : 0;
  const w1 = k > 1 ? weights[w + t + 1] : 0;
  const a2 = k > 2 ? at + column(taps, t + 2) * stride : 0;
  const w2 = k > 2 ? weights[w + t + 2] : 0;
  const a3 = k > 3 ? at + column(taps, t + 3) * stride : 0;
  const w3 = k > 3 ? weights[w + t + 3] : 0;
  const a4 = k > 4 ? at + column(taps, t + 4) * stride : 0;
  const w4 = k > 4 ? weights[w + t + 4] : 0;
  if (k === 1) for (let j = 0; j < count; j++) sums[j] = sums[j] + w0 * f[a0 + j];
  else if (k === 2) for (let j = 0; j < count; j++) sums[j] = sums[j] + w0 * f[a0 + j] + w1 * f[a1 + j];
  else if (k === 3) for (let j = 0; j < count; j++) sums[j] = sums[j] + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j];
  // biome-ignore format: one tap a term
  else if (k === 4) for (let j = 0; j < count; j++) sums[j] = sums[j] + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j] + w3 * f[a3 + j];
  // biome-ignore format: one tap a term
  else for (let j = 0; j < count; j++) sums[j] = sums[j] + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j] + w3 * f[a3 + j] + w4 * f[a4 + j];
}

/**
 * lineTaps for six to nine taps (accuracy 6 and 8) in one loop, summed left to right as addTaps sums them
 * five at a time (the same bits): the 1024² Hessian at accuracy 8 took 0.71–0.78× the time of the five at
 * a time with wideRow (bench/NOTES.md, eighteenth session).
 */
// biome-ignore format: a tap's offset and weight a line
function wideLine(offsets: ArrayLike<number>, weights: ArrayLike<number>, bias: number, T: number, f: ArrayLike<number>, d: number, result: Float64Array, first: number, last: number, accumulate: boolean): void {
  const o0 = offsets[0] + d, w0 = weights[0];
  const o1 = offsets[1] + d, w1 = weights[1];
  const o2 = offsets[2] + d, w2 = weights[2];
  const o3 = offsets[3] + d, w3 = weights[3];
  const o4 = offsets[4] + d, w4 = weights[4];
  const o5 = offsets[5] + d, w5 = weights[5];
  if (T === 6) {
    if (accumulate) for (let p = first; p < last; p++) result[p] += bias + w0 * f[p + o0] + w1 * f[p + o1] + w2 * f[p + o2] + w3 * f[p + o3] + w4 * f[p + o4] + w5 * f[p + o5];
    else for (let p = first; p < last; p++) result[p] = bias + w0 * f[p + o0] + w1 * f[p + o1] + w2 * f[p + o2] + w3 * f[p + o3] + w4 * f[p + o4] + w5 * f[p + o5];
    return;
  }
  const o6 = offsets[6] + d, w6 = weights[6];
  if (T === 7) {
    if (accumulate) for (let p = first; p < last; p++) result[p] += bias + w0 * f[p + o0] + w1 * f[p + o1] + w2 * f[p + o2] + w3 * f[p + o3] + w4 * f[p + o4] + w5 * f[p + o5] + w6 * f[p + o6];
    else for (let p = first; p < last; p++) result[p] = bias + w0 * f[p + o0] + w1 * f[p + o1] + w2 * f[p + o2] + w3 * f[p + o3] + w4 * f[p + o4] + w5 * f[p + o5] + w6 * f[p + o6];
    return;
  }
  const o7 = offsets[7] + d, w7 = weights[7];
  if (T === 8) {
    if (accumulate) for (let p = first; p < last; p++) result[p] += bias + w0 * f[p + o0] + w1 * f[p + o1] + w2 * f[p + o2] + w3 * f[p + o3] + w4 * f[p + o4] + w5 * f[p + o5] + w6 * f[p + o6] + w7 * f[p + o7];
    else for (let p = first; p < last; p++) result[p] = bias + w0 * f[p + o0] + w1 * f[p + o1] + w2 * f[p + o2] + w3 * f[p + o3] + w4 * f[p + o4] + w5 * f[p + o5] + w6 * f[p + o6] + w7 * f[p + o7];
    return;
  }
  const o8 = offsets[8] + d, w8 = weights[8];
  if (accumulate) for (let p = first; p < last; p++) result[p] += bias + w0 * f[p + o0] + w1 * f[p + o1] + w2 * f[p + o2] + w3 * f[p + o3] + w4 * f[p + o4] + w5 * f[p + o5] + w6 * f[p + o6] + w7 * f[p + o7] + w8 * f[p + o8];
  else for (let p = first; p < last; p++) result[p] = bias + w0 * f[p + o0] + w1 * f[p + o1] + w2 * f[p + o2] + w3 * f[p + o3] + w4 * f[p + o4] + w5 * f[p + o5] + w6 * f[p + o6] + w7 * f[p + o7] + w8 * f[p + o8];
}

/** planeTaps for six to nine taps in one pass over the row, as wideLine. */
// biome-ignore format: a tap's offset and weight a line
function wideRow(taps: Taps, inner: number, f: ArrayLike<number>, a: number, result: Float64Array, r: number, accumulate: boolean): void {
  const { weights, bias, w0: w, count: T } = taps;
  const a0 = a + column(taps, 0) * inner, w0 = weights[w];
  const a1 = a + column(taps, 1) * inner, w1 = weights[w + 1];
  const a2 = a + column(taps, 2) * inner, w2 = weights[w + 2];
  const a3 = a + column(taps, 3) * inner, w3 = weights[w + 3];
  const a4 = a + column(taps, 4) * inner, w4 = weights[w + 4];
  const a5 = a + column(taps, 5) * inner, w5 = weights[w + 5];
  if (T === 6) {
    if (accumulate) for (let j = 0; j < inner; j++) result[r + j] += bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j] + w3 * f[a3 + j] + w4 * f[a4 + j] + w5 * f[a5 + j];
    else for (let j = 0; j < inner; j++) result[r + j] = bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j] + w3 * f[a3 + j] + w4 * f[a4 + j] + w5 * f[a5 + j];
    return;
  }
  const a6 = a + column(taps, 6) * inner, w6 = weights[w + 6];
  if (T === 7) {
    if (accumulate) for (let j = 0; j < inner; j++) result[r + j] += bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j] + w3 * f[a3 + j] + w4 * f[a4 + j] + w5 * f[a5 + j] + w6 * f[a6 + j];
    else for (let j = 0; j < inner; j++) result[r + j] = bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j] + w3 * f[a3 + j] + w4 * f[a4 + j] + w5 * f[a5 + j] + w6 * f[a6 + j];
    return;
  }
  const a7 = a + column(taps, 7) * inner, w7 = weights[w + 7];
  if (T === 8) {
    if (accumulate) for (let j = 0; j < inner; j++) result[r + j] += bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j] + w3 * f[a3 + j] + w4 * f[a4 + j] + w5 * f[a5 + j] + w6 * f[a6 + j] + w7 * f[a7 + j];
    else for (let j = 0; j < inner; j++) result[r + j] = bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j] + w3 * f[a3 + j] + w4 * f[a4 + j] + w5 * f[a5 + j] + w6 * f[a6 + j] + w7 * f[a7 + j];
    return;
  }
  const a8 = a + column(taps, 8) * inner, w8 = weights[w + 8];
  if (accumulate) for (let j = 0; j < inner; j++) result[r + j] += bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j] + w3 * f[a3 + j] + w4 * f[a4 + j] + w5 * f[a5 + j] + w6 * f[a6 + j] + w7 * f[a7 + j] + w8 * f[a8 + j];
  else for (let j = 0; j < inner; j++) result[r + j] = bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j] + w3 * f[a3 + j] + w4 * f[a4 + j] + w5 * f[a5 + j] + w6 * f[a6 + j] + w7 * f[a7 + j] + w8 * f[a8 + j];
}

/** Tap t's column from the taps' base. */
function column(taps: Taps, t: number): number {
  return taps.offsets === null ? t : taps.offsets[t];
}

/** Scratch of lineTaps beyond five taps: sums of this many points at a time, kept in cache. */
const LINE = new Float64Array(2048);

/**
 * One row along an axis other than the last (of a run, or a dense row of unevenRows): result[r + j] (+)=
 * bias + Σ_t w_t · f[a + column_t · inner + j] for j < inner, the taps summed in order; up to nine in one pass over the row (six to nine:
 * wideRow), more (or none) five at a time into `sums` (addTaps; the same bits).
 */
// biome-ignore format: the row's arguments in pairs
function planeTaps(taps: Taps, inner: number, f: ArrayLike<number>, a: number, result: Float64Array, r: number, sums: Float64Array, accumulate: boolean): void {
  const { weights, bias, w0: w, count: T } = taps;
  if (T >= 6 && T <= 9) {
    wideRow(taps, inner, f, a, result, r, accumulate);
    return;
  }
  if (T > 5 || T === 0) {
    sums.fill(bias);
    for (let t = 0; t < T; t += 5) addTaps(sums, inner, f, a, inner, taps, t);
    if (accumulate) for (let j = 0; j < inner; j++) result[r + j] += sums[j];
    else result.set(sums, r);
    return;
  }
  const a0 = a + column(taps, 0) * inner;
  const w0 = weights[w];
  const a1 = T > 1 ? a + column(taps, 1) * inner : 0;
  const w1 = T > 1 ? weights[w + 1] : 0;
  const a2 = T > 2 ? a + column(taps, 2) * inner : 0;
  const w2 = T > 2 ? weights[w + 2] : 0;
  const a3 = T > 3 ? a + column(taps, 3) * inner : 0;
  const w3 = T > 3 ? weights[w + 3] : 0;
  const a4 = T > 4 ? a + column(taps, 4) * inner : 0;
  const w4 = T > 4 ? weights[w + 4] : 0;
  // biome-ignore format: a tap's offset and weight a pair
  if (!accumulate && storeTaps(T, result, f, r, r + inner, bias, a0 - r, w0, a1 - r, w1, a2 - r, w2, a3 - r, w3, a4 - r, w4)) return;
  if (T === 1) {
    if (accumulate) for (let j = 0; j < inner; j++) result[r + j] += bias + w0 * f[a0 + j];
    else for (let j = 0; j < inner; j++) result[r + j] = bias + w0 * f[a0 + j];
  } else if (T === 2) {
    if (accumulate) for (let j = 0; j < inner; j++) result[r + j] += bias + w0 * f[a0 + j] + w1 * f[a1 + j];
    else for (let j = 0; j < inner; j++) result[r + j] = bias + w0 * f[a0 + j] + w1 * f[a1 + j];
  } else if (T === 3) {
    if (accumulate) for (let j = 0; j < inner; j++) result[r + j] += bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j];
    else for (let j = 0; j < inner; j++) result[r + j] = bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j];
  } else if (T === 4) {
    // biome-ignore format: one tap a term
    if (accumulate) for (let j = 0; j < inner; j++) result[r + j] += bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j] + w3 * f[a3 + j];
    // biome-ignore format: one tap a term
    else for (let j = 0; j < inner; j++) result[r + j] = bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j] + w3 * f[a3 + j];
  } else {
    // biome-ignore format: one tap a term
    if (accumulate) for (let j = 0; j < inner; j++) result[r + j] += bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j] + w3 * f[a3 + j] + w4 * f[a4 + j];
    // biome-ignore format: one tap a term
    else for (let j = 0; j < inner; j++) result[r + j] = bias + w0 * f[a0 + j] + w1 * f[a1 + j] + w2 * f[a2 + j] + w3 * f[a3 + j] + w4 * f[a4 + j];
  }
}

/**
 * applyAlong for an operator without runs (uneven coordinates): the rows of its dense spans (denseSpans:
 * one block of non-zero weights, no wrap) without a test per tap — along the last axis in loops by tap
 * count (denseLine), along another in one pass over the row (planeTaps) — and the others as applyRows
 * does, to the same bits (test/cpu-taps.test.ts). See bench/NOTES.md, sixteenth session, for the time.
 */
// biome-ignore format: the range's arguments in pairs
function unevenRows(op: AxisOperator, inner: number, f: ArrayLike<number>, fShift: number, result: Float64Array, rShift: number, o0: number, o1: number, i0: number, i1: number, accumulate: boolean): void {
  const spans = denseSpans(op);
  const { n, width, start, weights, bias } = op;
  const sums = inner > 1 ? new Float64Array(inner) : null;
  const row = DENSE_ROW;
  row.weights = weights;
  for (let o = o0; o < o1; o++) {
    const base = o * n * inner;
    let i = i0;
    for (let s = 0; s < spans.length && i < i1; s += 4) {
      const a = Math.max(spans[s], i),
        z = Math.min(spans[s + 1], i1);
      if (a >= z) continue;
      const lo = spans[s + 2];
      const count = spans[s + 3];
      if (i < a) applyRows(op, inner, f, fShift, result, rShift, o, o + 1, i, a, accumulate);
      if (sums === null) denseLine(op, lo, count, f, base - fShift, result, base - rShift, a, z, accumulate);
      else {
        row.count = count;
        for (let j = a; j < z; j++) {
          row.w0 = j * width + lo;
          row.bias = bias[j];
          planeTaps(row, inner, f, base + (start[j] + lo) * inner - fShift, result, base + j * inner - rShift, sums, accumulate);
        }
      }
      i = z;
    }
    if (i < i1) applyRows(op, inner, f, fShift, result, rShift, o, o + 1, i, i1, accumulate);
  }
}

/** The taps of a dense row as planeTaps reads them: a block of consecutive columns, set row by row. */
const DENSE_ROW: { offsets: null; weights: Float64Array; w0: number; count: number; bias: number } = {
  offsets: null,
  weights: new Float64Array(0),
  w0: 0,
  count: 0,
  bias: 0,
};

/**
 * Dense rows a..z of one line along the last axis, their weights in columns lo … lo + count − 1 of their
 * windows: result[rb + i] (+)= bias[i] + Σ_t w[i, lo + t] · f[fb + start[i] + lo + t], summed in order (as
 * applyRows sums the non-zero weights), start[i] − i the same for every row (denseSpans).
 */
// biome-ignore format: the rows' arguments together
function denseLine(op: AxisOperator, lo: number, count: number, f: ArrayLike<number>, fb: number, result: Float64Array, rb: number, a: number, z: number, accumulate: boolean): void {
  const { width: W, start, weights: w, bias } = op;
  // Row i's first column: the span's windows are one column apart (denseSpans).
  const c0 = fb + lo + start[a] - a;
  if (count === 3 && dense3(result, rb, f, c0, w, W, lo, bias, a, z, accumulate)) return;
  // Loops of their own with and without accumulation: a test of it per point made the 1024² Hessian on
  // uneven coordinates take 1.2–1.3× as long (bench/NOTES.md, eighteenth session).
  if (count === 2 && accumulate)
    for (let i = a, k = a * W + lo; i < z; i++, k += W) {
      const c = c0 + i;
      result[rb + i] += bias[i] + w[k] * f[c] + w[k + 1] * f[c + 1];
    }
  else if (count === 2)
    for (let i = a, k = a * W + lo; i < z; i++, k += W) {
      const c = c0 + i;
      result[rb + i] = bias[i] + w[k] * f[c] + w[k + 1] * f[c + 1];
    }
  else if (count === 3 && accumulate)
    for (let i = a, k = a * W + lo; i < z; i++, k += W) {
      const c = c0 + i;
      result[rb + i] += bias[i] + w[k] * f[c] + w[k + 1] * f[c + 1] + w[k + 2] * f[c + 2];
    }
  else if (count === 3)
    for (let i = a, k = a * W + lo; i < z; i++, k += W) {
      const c = c0 + i;
      result[rb + i] = bias[i] + w[k] * f[c] + w[k + 1] * f[c + 1] + w[k + 2] * f[c + 2];
    }
  else if (count === 5 && accumulate)
    for (let i = a, k = a * W + lo; i < z; i++, k += W) {
      const c = c0 + i;
      result[rb + i] += bias[i] + w[k] * f[c] + w[k + 1] * f[c + 1] + w[k + 2] * f[c + 2] + w[k + 3] * f[c + 3] + w[k + 4] * f[c + 4];
    }
  else if (count === 5)
    for (let i = a, k = a * W + lo; i < z; i++, k += W) {
      const c = c0 + i;
      result[rb + i] = bias[i] + w[k] * f[c] + w[k + 1] * f[c + 1] + w[k + 2] * f[c + 2] + w[k + 3] * f[c + 3] + w[k + 4] * f[c + 4];
    }
  else
    for (let i = a, k = a * W + lo; i < z; i++, k += W) {
      const c = c0 + i;
      let sum = bias[i];
      for (let t = 0; t < count; t++) sum += w[k + t] * f[c + t];
      result[rb + i] = accumulate ? result[rb + i] + sum : sum;
    }
}

/** result (+)= op applied along an axis, row by row (applyAlong's range and shifts): each row's weights, zeros and wrap read per point. */
// biome-ignore format: the range's arguments in pairs
export function applyRows(op: AxisOperator, inner: number, f: ArrayLike<number>, fShift: number, result: Float64Array, rShift: number, o0: number, o1: number, i0: number, i1: number, accumulate: boolean): void {
  const { n, width, start, weights, bias } = op;
  const plane = n * inner;
  const sums = inner > 1 ? new Float64Array(inner) : null;
  for (let o = o0; o < o1; o++) {
    const base = o * plane;
    for (let i = i0; i < i1; i++) {
      const row = i * width;
      const first = start[i];
      const wrapped = wraps(op, i);
      const at = base + i * inner;
      const r = at - rShift;
      if (sums === null) {
        let sum = bias[i];
        for (let k = 0; k < width; k++) {
          const w = weights[row + k];
          if (w === 0) continue;
          const c = wrapped ? (((first + k) % n) + n) % n : first + k;
          sum += w * f[base + c - fShift];
        }
        result[r] = accumulate ? result[r] + sum : sum;
        continue;
      }
      sums.fill(bias[i]);
      for (let k = 0; k < width; k++) {
        const w = weights[row + k];
        if (w === 0) continue;
        const c = wrapped ? (((first + k) % n) + n) % n : first + k;
        const from = base + c * inner - fShift;
        for (let j = 0; j < inner; j++) sums[j] += w * f[from + j];
      }
      if (accumulate) for (let j = 0; j < inner; j++) result[r + j] += sums[j];
      else result.set(sums, r);
    }
  }
}
