import type { DataInfo } from '../data.js';
import { type AxisPlan, isGhost, makePlan, type Plan } from '../plan.js';
import { keepsPlan, PlanMemo } from '../plan-memo.js';
import { edgeSteps, edgeWeights2, interiorWeights, weightAfter, weightAt, weightBefore } from '../stencil.js';
import type { GradientOptions, NumericArray } from '../types.js';
import type { NdarrayLike, StridedView } from '../view.js';
import { exactReciprocal, fusedPlan, fusedSlab, over1, times1 } from './fused.js';
import { fixGaps, gapsOf, gapsSlabRanges } from './gaps.js';
import { gridGradientInto } from './grid.js';
import { cpuInput, cpuOut } from './input.js';
import { kernelInput } from './kernel-input.js';
import { gapsInLoops, ghostAt, isPartable, isView, lineGradient, needsLines, type Values } from './lines.js';
import { MAX_INDEX } from './unroll.js';
import { type AxisRange, SLAB_BYTES, slabRange, slabRows, viewRows, windowable, windowData, windowsOf } from './windows.js';

/**
 * The float64 reference: numpy.gradient's arithmetic, operation for operation, so results match numpy
 * to the last bit for float64 and integer inputs. Returns one Float64Array per selected axis.
 * Periodic boundaries and fourth-order accuracy extend numpy (see GradientOptions).
 */
export function cpuGradient(data: NumericArray | NdarrayLike, options?: CpuGradientOptions): Float64Array[] {
  const { info, values, memory } = cpuInput(data);
  const plan = recentPlans.find('gradient', 1, info, options) ?? planned(info, options);
  const out = cpuOut(options?.out, plan.axes.length, plan.size, [memory], 'one per selected axis');
  const input = kernelInput(values);
  if (plan.grid) gridGradientInto(input, plan, out.arrays);
  else if (isPartable(input, plan)) gradientSlabs(input as ArrayLike<number>, plan, out.arrays, 0, plan.shape[0]);
  else if (isView(input) && windowable(input, plan)) viewGradient(input, plan, out.arrays);
  else if (takesGaps(input, plan)) gapsGradient(input as ArrayLike<number>, plan, out.arrays);
  else plan.axes.forEach((ax, k) => axisGradient(input, ax, plan, out.arrays[k]));
  return out.finish();
}

/**
 * Whether gapsGradient takes the plan: gaps to skip in flat data whose axes the loops take without them
 * (not views, nor ghost sides on axes shorter than numpy's one-sided stencils: the line path's).
 */
export function takesGaps(f: Values, plan: Plan): boolean {
  return plan.skip && isPartable(f, withoutGaps(plan));
}

/**
 * 'skip' on flat data (takesGaps), every selected axis into `outs`: the stencils as if there were no gaps
 * (the fused pass where it applies), then each axis's points near the gaps (gaps.ts), the gaps found once.
 */
export function gapsGradient(f: ArrayLike<number>, plan: Plan, outs: readonly Float64Array[]): void {
  gapsSlab(f, plan, outs, 0, plan.shape[0]);
}

/**
 * Selected axis k alone of a plan with gaps to skip (takesGaps) at rows [b0, b1) of the first axis, into
 * `out`: what gradientAlong computes there (numpy's stencils, then the gaps' points), for the divergence
 * and the curl by rows (derived.ts).
 */
export function gapsAlongSlab(f: ArrayLike<number>, plan: Plan, k: number, out: Float64Array, b0: number, b1: number): void {
  const ax = plan.axes[k];
  directGradient(f, ax, withoutGaps(plan), out, slabRange(ax, plan.shape[0], b0, b1));
  const row = plan.size / plan.shape[0];
  fixGaps(f, ax, plan, out, gapsOf(f, plan.mask, gapsSlabRanges(plan, b0, b1)), b0 * row, b1 * row);
}

/** gapsGradient on rows [b0, b1) of the first axis (a part of cpuWorkers), the gaps found in the rows it reads. */
export function gapsSlab(f: ArrayLike<number>, plan: Plan, outs: readonly Float64Array[], b0: number, b1: number): void {
  gradientSlabs(f, withoutGaps(plan), outs, b0, b1);
  const gaps = gapsOf(f, plan.mask, gapsSlabRanges(plan, b0, b1));
  const row = plan.size / plan.shape[0];
  plan.axes.forEach((ax, k) => fixGaps(f, ax, plan, outs[k], gaps, b0 * row, b1 * row));
}

/**
 * Every selected axis by the line path (lines.ts), flat data or a view: the contract the faster layers are
 * held to, bit for bit, in tests.
 */
export function gradientByLines(f: Values, plan: Plan): Float64Array[] {
  return plan.axes.map((ax) => {
    const out = new Float64Array(plan.size);
    lineGradient(f, ax, plan, out, axisGradient);
    return out;
  });
}

/**
 * A strided view's gradient window by window (windows.ts): each window's elements gathered into kept
 * scratch, then the flat loops on it (gradientSlabs) — the flat loops' bits, and no full-size copy of the
 * view. 1024² transposed: see bench/NOTES.md, sixteenth session.
 */
function viewGradient(view: StridedView, plan: Plan, outs: readonly Float64Array[]): void {
  for (const w of windowsOf(plan, viewRows(slabRows(plan), [view]))) {
    const end = w.start + w.plan.size;
    gradientSlabs(
      windowData(view, w),
      w.plan,
      outs.map((o) => o.subarray(w.start, end)),
      w.b0,
      w.b1,
    );
  }
}

/** The plan without its gaps ('propagate', no mask), made once per plan. */
function withoutGaps(plan: Plan): Plan {
  let plain = PLAIN.get(plan);
  if (plain === undefined) {
    plain = { ...plan, skip: false, mask: null };
    PLAIN.set(plan, plain);
  }
  return plain;
}
const PLAIN = new WeakMap<Plan, Plan>();

/**
 * Plans of recent cpuGradient calls (plan-memo.ts): a call that repeats one's arguments skips planning,
 * as a host call does. Planning was 2.3 µs and 1.7 KB of a 64² float64 call's 13.5 µs and 3.0 KB here
 * (bench/NOTES.md, twelfth session).
 */
const recentPlans = new PlanMemo<Plan>(['out']);

/** A new plan, remembered where it may be (plan-memo.ts keepsPlan). */
function planned(info: DataInfo, options: CpuGradientOptions | undefined): Plan {
  const plan = makePlan(info, options, ['out']);
  if (keepsPlan(plan)) recentPlans.remember('gradient', 1, info, options, plan);
  return plan;
}

/** Options of cpuGradient: the plan's options and `out`. */
export interface CpuGradientOptions extends GradientOptions {
  /**
   * Arrays to write the results into, one Float64Array of the data's length per selected axis; they are
   * returned. Reusing them across calls avoids the cost of fresh memory (page faults), which dominates
   * large arrays.
   */
  out?: (Float64Array | NdarrayLike<Float64Array>)[];
}

/** The derivative of `f` along the plan's k-th selected axis, written into `out`. */
export function gradientAlong(f: Values, plan: Plan, k: number, out: Float64Array): Float64Array {
  axisGradient(f, plan.axes[k], plan, out);
  return out;
}

/** The whole of an axis's work. */
function wholeAxis(ax: AxisPlan): AxisRange {
  return { o0: 0, o1: ax.outer, i0: 0, i1: ax.n };
}

/**
 * Every selected axis's results for the positions `b0..b1` of the first axis (the whole array is
 * 0..shape[0]; threads take disjoint slabs, cpu/workers.ts), slab by slab of about SLAB_BYTES. Each
 * element is computed by the same expression whichever slab it falls in: bitwise the axis-by-axis result.
 */
export function gradientSlabs(f: ArrayLike<number>, plan: Plan, outs: readonly Float64Array[], b0: number, b1: number): void {
  const fused = fusedPlan(plan);
  if (fused !== null) {
    fusedSlab(f, fused, outs, b0, b1);
    // The fused loops give a ghost side numpy's one-sided values; its ends are then replaced.
    if (fused.ghosts)
      plan.axes.forEach((ax, k) => {
        if (isGhost(ax.lo) || isGhost(ax.hi)) ghostEnds(f, ax, plan.accuracy, outs[k], slabRange(ax, plan.shape[0], b0, b1));
      });
    return;
  }
  const shape0 = plan.shape[0];
  const step = Math.max(1, Math.floor(SLAB_BYTES / (8 * (plan.size / shape0))));
  for (let a = b0; a < b1; a += step) {
    const z = Math.min(b1, a + step);
    plan.axes.forEach((ax, k) => directGradient(f, ax, plan, outs[k], slabRange(ax, shape0, a, z)));
  }
}

function axisGradient(f: Values, ax: AxisPlan, plan: Plan, out: Float64Array): void {
  if (out.length === 0) return;
  if (plan.operator !== 'central') {
    smoothedDifference(f, ax.axis, plan.shape, plan.operator, out);
    return;
  }
  if (gapsInLoops(f, ax, plan)) {
    // numpy's stencils as if there were no gaps (the plan's skip is not read there), then the gaps' points.
    directGradient(f as ArrayLike<number>, ax, plan, out, wholeAxis(ax));
    fixGaps(f as ArrayLike<number>, ax, plan, out, gapsOf(f as ArrayLike<number>, plan.mask));
    return;
  }
  if (needsLines(f, ax, plan)) {
    lineGradient(f, ax, plan, out, axisGradient);
    return;
  }
  if (isView(f)) throw new Error('unreachable: views take the line path');
  directGradient(f, ax, plan, out, wholeAxis(ax));
}

/**
 * numpy's stencils on a contiguous array along `ax`, for the lines and positions of `range` only (every
 * element is computed by the same expression whichever part it falls in, so parts are bitwise the whole),
 * then a ghost side's ends (ghostEnds).
 */
export function directGradient(f: ArrayLike<number>, ax: AxisPlan, plan: Plan, out: Float64Array, range: AxisRange): void {
  numpyStencils(f, ax, plan, out, range);
  if (isGhost(ax.lo) || isGhost(ax.hi)) ghostEnds(f, ax, plan.accuracy, out, range);
}

/**
 * A ghost side's end positions (one, or two at accuracy 4) within `range`: the interior stencil with the
 * ghost values for the neighbours beyond the end, replacing the one-sided values written there first. These
 * are the expressions the interior loops give a line extended by its ghost values and coordinates (lines.ts
 * segment, the GPU's contract): the same bits. 1024² with boundary 'reflect': see bench/NOTES.md,
 * sixteenth session.
 */
export function ghostEnds(f: ArrayLike<number>, ax: AxisPlan, accuracy: 2 | 4, out: Float64Array, range: AxisRange): void {
  const { n, inner: s, lo, hi } = ax;
  const { o0, o1, i0, i1 } = range;
  const low = isGhost(lo),
    high = isGhost(hi);
  if (accuracy === 4) {
    const h12 = 12 * ax.step!;
    const at = (i: number) => i >= i0 && i < i1;
    for (let o = o0; o < o1; o++) {
      const row = o * n * s;
      for (let j = 0; j < s; j++) {
        const p = row + j,
          q = row + (n - 1) * s + j; // f[0] and f[n − 1] of this line
        if (low) {
          const g1 = ghostAt(f, lo, 1, p, s),
            g2 = ghostAt(f, lo, 2, p, s);
          if (at(0)) out[p] = (-f[p + 2 * s] + 8 * f[p + s] - 8 * g1 + g2) / h12;
          if (at(1)) out[p + s] = (-f[p + 3 * s] + 8 * f[p + 2 * s] - 8 * f[p] + g1) / h12;
        }
        if (high) {
          const g1 = ghostAt(f, hi, 1, q, -s),
            g2 = ghostAt(f, hi, 2, q, -s);
          if (at(n - 2)) out[q - s] = (-g1 + 8 * f[q] - 8 * f[q - 2 * s] + f[q - 3 * s]) / h12;
          if (at(n - 1)) out[q] = (-g2 + 8 * g1 - 8 * f[q - s] + f[q - 2 * s]) / h12;
        }
      }
    }
    return;
  }
  const first = low && i0 === 0 && i1 > 0,
    last = high && i1 === n && i0 < n;
  if (!first && !last) return;
  // Coordinates: the ghost step repeats the end's step (x[−1] = 2·x[0] − x[1]), so the end's weights are
  // the interior ones of two equal steps.
  const wLo = ax.dx === null ? null : interiorWeights(Float64Array.of(ax.dx[0], ax.dx[0])),
    wHi = ax.dx === null ? null : interiorWeights(Float64Array.of(ax.dx[n - 2], ax.dx[n - 2]));
  const h2 = 2 * ax.step!;
  for (let o = o0; o < o1; o++) {
    const row = o * n * s;
    for (let j = 0; j < s; j++) {
      const p = row + j,
        q = row + (n - 1) * s + j;
      if (first) {
        const g = ghostAt(f, lo, 1, p, s);
        out[p] = wLo === null ? (f[p + s] - g) / h2 : wLo.a[0] * g + wLo.b[0] * f[p] + wLo.c[0] * f[p + s];
      }
      if (last) {
        const g = ghostAt(f, hi, 1, q, -s);
        out[q] = wHi === null ? (g - f[q - s]) / h2 : wHi.a[0] * f[q - s] + wHi.b[0] * f[q] + wHi.c[0] * g;
      }
    }
  }
}

/**
 * (f[p + s] − f[p − s]) / h2 into out at p0..p1, numpy's interior quotient: as a product with 1/h2 where
 * that is the quotient to the bit (exactReciprocal), through the fused pass's one-axis loops (unrolled and
 * masked: unroll.ts) where every index fits 30 bits. 4M points in one dimension, each build in its own
 * process, four rounds (bench/NOTES.md, nineteenth session): 7.98–11.32 ms before, 4.32–4.66 after; h =
 * 0.1, quotients, 7.99–11.87 against 5.78–6.35. (Its own copy of those loops measured the same.)
 */
function centralQuotients(f: ArrayLike<number>, s: number, h2: number, out: Float64Array, p0: number, p1: number): void {
  if (p1 + s > MAX_INDEX) for (let p = p0; p < p1; p++) out[p] = (f[p + s] - f[p - s]) / h2;
  else if (exactReciprocal(h2)) times1(f, p0, p1, out, s, 1 / h2);
  else over1(f, p0, p1, out, s, h2);
}

/**
 * out[p] = wa·f[p − s] + wb·f[p] + wc·f[p + s] for p from p0 to p1: a row of an uneven axis's interior
 * (numpyStencils), eight points an iteration with masked indices, the remainder first (unroll.ts; p1 + s ≤
 * MAX_INDEX).
 */
// biome-ignore format: the weights in a line
function weightedRow(f: ArrayLike<number>, s0: number, wa: number, wb: number, wc: number, out: Float64Array, p0: number, p1: number): void {
  const s = s0 & 0x3fffffff, z = p1 & 0x3fffffff;
  let p = p0 & 0x3fffffff;
  for (const head = p + ((z - p) & 7); p < head && p < z; p++) out[p] = wa * f[p - s] + wb * f[p] + wc * f[p + s];
  for (; p < z; p += 8) {
    out[p] = wa * f[p - s] + wb * f[p] + wc * f[p + s];
    out[p + 1] = wa * f[p + 1 - s] + wb * f[p + 1] + wc * f[p + 1 + s];
    out[p + 2] = wa * f[p + 2 - s] + wb * f[p + 2] + wc * f[p + 2 + s];
    out[p + 3] = wa * f[p + 3 - s] + wb * f[p + 3] + wc * f[p + 3 + s];
    out[p + 4] = wa * f[p + 4 - s] + wb * f[p + 4] + wc * f[p + 4 + s];
    out[p + 5] = wa * f[p + 5 - s] + wb * f[p + 5] + wc * f[p + 5 + s];
    out[p + 6] = wa * f[p + 6 - s] + wb * f[p + 6] + wc * f[p + 6 + s];
    out[p + 7] = wa * f[p + 7 - s] + wb * f[p + 7] + wc * f[p + 7 + s];
  }
}

/**
 * out[p] = a[j]·f[p − 1] + b[j]·f[p] + c[j]·f[p + 1], j = p − q, for p from p0 to p1: a line along an
 * uneven last axis, its weights from weightsOf; as weightedRow (p1 + 1 ≤ MAX_INDEX).
 */
// biome-ignore format: the weights in a line
function weightedLine(f: ArrayLike<number>, a: Float64Array, b: Float64Array, c: Float64Array, q0: number, out: Float64Array, p0: number, p1: number): void {
  const q = q0 & 0x3fffffff, z = p1 & 0x3fffffff;
  let p = p0 & 0x3fffffff;
  for (const head = p + ((z - p) & 7); p < head && p < z; p++) out[p] = a[p - q] * f[p - 1] + b[p - q] * f[p] + c[p - q] * f[p + 1];
  for (; p < z; p += 8) {
    const j = p - q;
    out[p] = a[j] * f[p - 1] + b[j] * f[p] + c[j] * f[p + 1];
    out[p + 1] = a[j + 1] * f[p] + b[j + 1] * f[p + 1] + c[j + 1] * f[p + 2];
    out[p + 2] = a[j + 2] * f[p + 1] + b[j + 2] * f[p + 2] + c[j + 2] * f[p + 3];
    out[p + 3] = a[j + 3] * f[p + 2] + b[j + 3] * f[p + 3] + c[j + 3] * f[p + 4];
    out[p + 4] = a[j + 4] * f[p + 3] + b[j + 4] * f[p + 4] + c[j + 4] * f[p + 5];
    out[p + 5] = a[j + 5] * f[p + 4] + b[j + 5] * f[p + 5] + c[j + 5] * f[p + 6];
    out[p + 6] = a[j + 6] * f[p + 5] + b[j + 6] * f[p + 6] + c[j + 6] * f[p + 7];
    out[p + 7] = a[j + 7] * f[p + 6] + b[j + 7] * f[p + 7] + c[j + 7] * f[p + 8];
  }
}

/** numpy's own stencils along `ax` (one-sided at every non-periodic end) for `range`: directGradient's first step. */
function numpyStencils(f: ArrayLike<number>, ax: AxisPlan, plan: Plan, out: Float64Array, range: AxisRange): void {
  if (ax.periodic) {
    periodicGradient(f, ax, plan.accuracy, out, range);
    return;
  }
  if (plan.accuracy === 4) {
    fourthOrderGradient(f, ax, out, range);
    return;
  }
  const edgeOrder = plan.edgeOrder;
  const { n, inner: s } = ax;
  const { o0, o1, i0, i1 } = range;
  const rowSpan = n * s;
  const first = Math.max(1, i0),
    last = Math.min(n - 1, i1); // interior positions [first, last)
  if (ax.dx === null) {
    const h2 = 2 * ax.step!;
    for (let o = o0; o < o1; o++) {
      const start = o * rowSpan + first * s,
        end = o * rowSpan + last * s;
      centralQuotients(f, s, h2, out, start, end);
    }
  } else {
    // One line along the axis (1-D data): its weights computed as it goes (numpy's expressions,
    // stencil.ts). Arrays of them made at each call had cost 4M points in one dimension 123 ms a call,
    // against 80 for numpy (bench/NOTES.md, nineteenth session). Several lines: the axis's weights once,
    // kept with its steps (weightsOf), each line one loop over them (twentieth session).
    const dx = ax.dx;
    const w = s === 1 && o1 - o0 > 1 ? weightsOf(dx, false) : null;
    for (let o = o0; o < o1; o++) {
      if (w) {
        const p0 = o * rowSpan + first;
        if (p0 + last - first + 1 <= MAX_INDEX) weightedLine(f, w.a, w.b, w.c, p0 - first + 1, out, p0, p0 + last - first);
        else for (let i = first, p = p0; i < last; i++, p++) out[p] = w.a[i - 1] * f[p - 1] + w.b[i - 1] * f[p] + w.c[i - 1] * f[p + 1];
        continue;
      }
      if (s === 1) {
        // Lines of consecutive elements: one loop along the line, not an inner loop of one element per
        // point (7.5 ms of a 1024² axis on coordinates here, against 3.3 for the fused pass's two axes).
        for (let i = first, p = o * rowSpan + first; i < last; i++, p++) {
          const d1 = dx[i - 1],
            d2 = dx[i];
          out[p] = weightBefore(d1, d2) * f[p - 1] + weightAt(d1, d2) * f[p] + weightAfter(d1, d2) * f[p + 1];
        }
        continue;
      }
      for (let i = first; i < last; i++) {
        const d1 = dx[i - 1],
          d2 = dx[i];
        const wa = weightBefore(d1, d2),
          wb = weightAt(d1, d2),
          wc = weightAfter(d1, d2);
        const start = o * rowSpan + i * s,
          end = start + s;
        if (end + s <= MAX_INDEX) weightedRow(f, s, wa, wb, wc, out, start, end);
        else for (let p = start; p < end; p++) out[p] = wa * f[p - s] + wb * f[p] + wc * f[p + s];
      }
    }
  }
  const atLo = i0 === 0 && i1 > 0,
    atHi = i1 === n && i0 < n;
  if (!atLo && !atHi) return;
  if (edgeOrder === 1) {
    const { lo, hi } = edgeSteps(ax);
    for (let o = o0; o < o1; o++) {
      const first = o * rowSpan,
        last = first + (n - 1) * s;
      for (let j = 0; j < s; j++) {
        if (atLo) out[first + j] = (f[first + j + s] - f[first + j]) / lo;
        if (atHi) out[last + j] = (f[last + j] - f[last + j - s]) / hi;
      }
    }
  } else {
    const { lo, hi } = edgeWeights2(ax);
    for (let o = o0; o < o1; o++) {
      const first = o * rowSpan,
        last = first + (n - 1) * s;
      for (let j = 0; j < s; j++) {
        const p = first + j,
          q = last + j;
        if (atLo) out[p] = lo.a * f[p] + lo.b * f[p + s] + lo.c * f[p + 2 * s];
        if (atHi) out[q] = hi.a * f[q - 2 * s] + hi.b * f[q - s] + hi.c * f[q];
      }
    }
  }
}

/**
 * An axis's interior weights (stencil.ts interiorWeights), kept with its steps: a periodic axis's for every
 * call, an edge axis's for lines along it (numpyStencils computes one line's as it goes). Point by point,
 * each line's points had taken three divisions each (1024² on the sphere, whose radian coordinates are
 * uneven: 69 % of the call in numpyStencils; bench/NOTES.md, twentieth session). A repeated call finds its
 * plan, and so its steps and weights, again (plan-memo.ts).
 */
function weightsOf(dx: Float64Array, periodic: boolean): ReturnType<typeof interiorWeights> {
  const kept = WEIGHTS[periodic ? 1 : 0];
  let w = kept.get(dx);
  if (!w) {
    w = interiorWeights(dx, periodic);
    kept.set(dx, w);
  }
  return w;
}
const WEIGHTS = [
  new WeakMap<Float64Array, ReturnType<typeof interiorWeights>>(),
  new WeakMap<Float64Array, ReturnType<typeof interiorWeights>>(),
];

/** Weights across the axis of each operator: [w1, w0, w1]. */
const SMOOTHING = { sobel: [1, 2], scharr: [3, 10] } as const;

/**
 * Sobel or Scharr on a 2-D array along `axis`: Σ_d w[d]·(f[i+1, j+d] − f[i−1, j+d]) with the weights
 * [w1, w0, w1] across it, indices mirrored at the borders (−1 → 1, n → n − 2), as scipy.ndimage.sobel
 * with mode='mirror' (which differences first and smooths second; the sum is the same in exact arithmetic).
 */
function smoothedDifference(f: Values, axis: number, shape: readonly number[], operator: 'sobel' | 'scharr', out: Float64Array): void {
  const [rows, cols] = shape;
  const [w1, w0] = SMOOTHING[operator];
  if (!isView(f)) {
    smoothedRows(f, axis, rows, cols, w1, w0, out);
    return;
  }
  // A view, element by element through its strides.
  const at = (r: number, c: number) =>
    (f.data as ArrayLike<number>)[f.offset + mirror(r, rows) * f.strides[0] + mirror(c, cols) * f.strides[1]];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const d = axis === 0 ? (dc: number) => at(r + 1, c + dc) - at(r - 1, c + dc) : (dr: number) => at(r + dr, c + 1) - at(r + dr, c - 1);
      out[r * cols + c] = w1 * d(-1) + w0 * d(0) + w1 * d(1);
    }
  }
}

/**
 * smoothedDifference on flat data, row by row: the three rows a row reads (mirrored at the borders) found
 * once a row, the columns' neighbours mirrored at a row's two ends only; each value the same expression,
 * w1·d(−1) + w0·d(0) + w1·d(1), as the per-element form. 1024²: see bench/NOTES.md, sixteenth session.
 */
// biome-ignore format: the rows' arguments together
function smoothedRows(f: ArrayLike<number>, axis: number, rows: number, cols: number, w1: number, w0: number, out: Float64Array): void {
  // No closures here: a closure over `f` puts it in a context object that every load of the loops reads
  // through (with one, this took 20–23 ms at 1024² in bench/cpu-options.mjs, against 6.3 alone).
  const z = cols - 1;
  // The rows' interior loops unrolled and masked (unroll.ts) where every index fits 30 bits.
  const fast = rows * cols <= MAX_INDEX;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    if (axis === 0) {
      // d(dc) = f[r + 1, c + dc] − f[r − 1, c + dc]
      const up = mirror(r + 1, rows) * cols,
        dn = mirror(r - 1, rows) * cols;
      out[o] = across(f, up, dn, mirror(-1, cols), 0, mirror(1, cols), w1, w0);
      if (fast) acrossRow(f, up, dn, o, z, w1, w0, out);
      else
        for (let c = 1; c < z; c++)
          out[o + c] = w1 * (f[up + c - 1] - f[dn + c - 1]) + w0 * (f[up + c] - f[dn + c]) + w1 * (f[up + c + 1] - f[dn + c + 1]);
      out[o + z] = across(f, up, dn, mirror(z - 1, cols), z, mirror(z + 1, cols), w1, w0);
    } else {
      // d(dr) = f[r + dr, c + 1] − f[r + dr, c − 1]
      const a = mirror(r - 1, rows) * cols,
        e = mirror(r + 1, rows) * cols;
      out[o] = along(f, a, o, e, 0, cols, w1, w0);
      if (fast) alongRow(f, a, o, e, z, w1, w0, out);
      else
        for (let c = 1; c < z; c++)
          out[o + c] = w1 * (f[a + c + 1] - f[a + c - 1]) + w0 * (f[o + c + 1] - f[o + c - 1]) + w1 * (f[e + c + 1] - f[e + c - 1]);
      out[o + z] = along(f, a, o, e, z, cols, w1, w0);
    }
  }
}

/** smoothedRows' interior of a row along axis 0, eight columns an iteration, its indices masked (unroll.ts). */
// biome-ignore format: a point a line
function acrossRow(f: ArrayLike<number>, up0: number, dn0: number, o0: number, z0: number, w1: number, w0: number, out: Float64Array): void {
  const up = up0 & 0x3fffffff, dn = dn0 & 0x3fffffff, o = o0 & 0x3fffffff, z = z0 & 0x3fffffff;
  let c = 1;
  for (const head = c + ((z - c) & 7); c < head && c < z; c++) out[o + c] = w1 * (f[up + c - 1] - f[dn + c - 1]) + w0 * (f[up + c] - f[dn + c]) + w1 * (f[up + c + 1] - f[dn + c + 1]);
  for (; c < z; c += 8) {
    out[o + c] = w1 * (f[up + c - 1] - f[dn + c - 1]) + w0 * (f[up + c] - f[dn + c]) + w1 * (f[up + c + 1] - f[dn + c + 1]);
    out[o + c + 1] = w1 * (f[up + c] - f[dn + c]) + w0 * (f[up + c + 1] - f[dn + c + 1]) + w1 * (f[up + c + 2] - f[dn + c + 2]);
    out[o + c + 2] = w1 * (f[up + c + 1] - f[dn + c + 1]) + w0 * (f[up + c + 2] - f[dn + c + 2]) + w1 * (f[up + c + 3] - f[dn + c + 3]);
    out[o + c + 3] = w1 * (f[up + c + 2] - f[dn + c + 2]) + w0 * (f[up + c + 3] - f[dn + c + 3]) + w1 * (f[up + c + 4] - f[dn + c + 4]);
    out[o + c + 4] = w1 * (f[up + c + 3] - f[dn + c + 3]) + w0 * (f[up + c + 4] - f[dn + c + 4]) + w1 * (f[up + c + 5] - f[dn + c + 5]);
    out[o + c + 5] = w1 * (f[up + c + 4] - f[dn + c + 4]) + w0 * (f[up + c + 5] - f[dn + c + 5]) + w1 * (f[up + c + 6] - f[dn + c + 6]);
    out[o + c + 6] = w1 * (f[up + c + 5] - f[dn + c + 5]) + w0 * (f[up + c + 6] - f[dn + c + 6]) + w1 * (f[up + c + 7] - f[dn + c + 7]);
    out[o + c + 7] = w1 * (f[up + c + 6] - f[dn + c + 6]) + w0 * (f[up + c + 7] - f[dn + c + 7]) + w1 * (f[up + c + 8] - f[dn + c + 8]);
  }
}

/** smoothedRows' interior of a row along axis 1, eight columns an iteration, its indices masked (unroll.ts). */
// biome-ignore format: a point a line
function alongRow(f: ArrayLike<number>, a0: number, o0: number, e0: number, z0: number, w1: number, w0: number, out: Float64Array): void {
  const a = a0 & 0x3fffffff, o = o0 & 0x3fffffff, e = e0 & 0x3fffffff, z = z0 & 0x3fffffff;
  let c = 1;
  for (const head = c + ((z - c) & 7); c < head && c < z; c++) out[o + c] = w1 * (f[a + c + 1] - f[a + c - 1]) + w0 * (f[o + c + 1] - f[o + c - 1]) + w1 * (f[e + c + 1] - f[e + c - 1]);
  for (; c < z; c += 8) {
    out[o + c] = w1 * (f[a + c + 1] - f[a + c - 1]) + w0 * (f[o + c + 1] - f[o + c - 1]) + w1 * (f[e + c + 1] - f[e + c - 1]);
    out[o + c + 1] = w1 * (f[a + c + 2] - f[a + c]) + w0 * (f[o + c + 2] - f[o + c]) + w1 * (f[e + c + 2] - f[e + c]);
    out[o + c + 2] = w1 * (f[a + c + 3] - f[a + c + 1]) + w0 * (f[o + c + 3] - f[o + c + 1]) + w1 * (f[e + c + 3] - f[e + c + 1]);
    out[o + c + 3] = w1 * (f[a + c + 4] - f[a + c + 2]) + w0 * (f[o + c + 4] - f[o + c + 2]) + w1 * (f[e + c + 4] - f[e + c + 2]);
    out[o + c + 4] = w1 * (f[a + c + 5] - f[a + c + 3]) + w0 * (f[o + c + 5] - f[o + c + 3]) + w1 * (f[e + c + 5] - f[e + c + 3]);
    out[o + c + 5] = w1 * (f[a + c + 6] - f[a + c + 4]) + w0 * (f[o + c + 6] - f[o + c + 4]) + w1 * (f[e + c + 6] - f[e + c + 4]);
    out[o + c + 6] = w1 * (f[a + c + 7] - f[a + c + 5]) + w0 * (f[o + c + 7] - f[o + c + 5]) + w1 * (f[e + c + 7] - f[e + c + 5]);
    out[o + c + 7] = w1 * (f[a + c + 8] - f[a + c + 6]) + w0 * (f[o + c + 8] - f[o + c + 6]) + w1 * (f[e + c + 8] - f[e + c + 6]);
  }
}

/** Index i of an axis of n points, mirrored at its borders (−1 → 1, n → n − 2). */
function mirror(i: number, n: number): number {
  return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
}

/** Σ w · (f[up + c] − f[dn + c]) over the columns c0, c1, c2 with the weights w1, w0, w1. */
// biome-ignore format: the columns together
function across(f: ArrayLike<number>, up: number, dn: number, c0: number, c1: number, c2: number, w1: number, w0: number): number {
  return w1 * (f[up + c0] - f[dn + c0]) + w0 * (f[up + c1] - f[dn + c1]) + w1 * (f[up + c2] - f[dn + c2]);
}

/** Σ w · (f[row + c + 1] − f[row + c − 1]) over the rows a, b, e (columns mirrored) with the weights w1, w0, w1. */
// biome-ignore format: the rows together
function along(f: ArrayLike<number>, a: number, b: number, e: number, c: number, cols: number, w1: number, w0: number): number {
  const p = mirror(c + 1, cols),
    m = mirror(c - 1, cols);
  return w1 * (f[a + p] - f[a + m]) + w0 * (f[b + p] - f[b + m]) + w1 * (f[e + p] - f[e + m]);
}

/**
 * Every point central, neighbours modulo n: (f[i+1] − f[i−1]) / (2h), the non-uniform form, or the
 * five-point one. Along the last axis (lines of consecutive elements) the points whose neighbours do not
 * wrap take a loop of their own, with the same expressions: a modulo and an inner loop of one element per
 * point took 7.5 ms of a 1024² axis here, where the fused pass takes 3.3 for both (bench/NOTES.md,
 * eighteenth session).
 */
function periodicGradient(f: ArrayLike<number>, ax: AxisPlan, accuracy: 2 | 4, out: Float64Array, range: AxisRange): void {
  const { n, inner: s } = ax;
  const w = ax.dx === null ? null : weightsOf(ax.dx, true);
  const h2 = 2 * ax.step!,
    h12 = 12 * ax.step!;
  const reach = accuracy === 4 ? 2 : 1;
  const { i0, i1 } = range;
  const lo = Math.max(i0, reach),
    hi = Math.min(i1, n - reach);
  for (let o = range.o0; o < range.o1; o++) {
    if (s !== 1 || hi <= lo) {
      periodicPoints(f, ax, accuracy, w, out, o, i0, i1);
      continue;
    }
    periodicPoints(f, ax, accuracy, w, out, o, i0, lo);
    const row = o * n;
    if (accuracy === 4) for (let p = row + lo; p < row + hi; p++) out[p] = (-f[p + 2] + 8 * f[p + 1] - 8 * f[p - 1] + f[p - 2]) / h12;
    else if (w === null) centralQuotients(f, 1, h2, out, row + lo, row + hi);
    else if (row + hi + 1 <= MAX_INDEX) weightedLine(f, w.a, w.b, w.c, row, out, row + lo, row + hi);
    else {
      const { a, b, c } = w;
      for (let i = lo, p = row + lo; i < hi; i++, p++) out[p] = a[i] * f[p - 1] + b[i] * f[p] + c[i] * f[p + 1];
    }
    periodicPoints(f, ax, accuracy, w, out, o, hi, i1);
  }
}

/** periodicGradient's stencils at positions [from, to) of the lines of outer index o, neighbours modulo n. */
function periodicPoints(
  f: ArrayLike<number>,
  ax: AxisPlan,
  accuracy: 2 | 4,
  w: ReturnType<typeof interiorWeights> | null,
  out: Float64Array,
  o: number,
  from: number,
  to: number,
): void {
  const { n, inner: s } = ax;
  const h2 = 2 * ax.step!,
    h12 = 12 * ax.step!;
  const row = o * n * s;
  for (let i = from; i < to; i++) {
    const p = row + i * s;
    const up = row + ((i + 1) % n) * s,
      dn = row + ((i + n - 1) % n) * s;
    if (accuracy === 4) {
      const up2 = row + ((i + 2) % n) * s,
        dn2 = row + ((i + n - 2) % n) * s;
      for (let j = 0; j < s; j++) out[p + j] = (-f[up2 + j] + 8 * f[up + j] - 8 * f[dn + j] + f[dn2 + j]) / h12;
    } else if (w === null) {
      for (let j = 0; j < s; j++) out[p + j] = (f[up + j] - f[dn + j]) / h2;
    } else {
      const a = w.a[i],
        b = w.b[i],
        c = w.c[i];
      for (let j = 0; j < s; j++) out[p + j] = a * f[dn + j] + b * f[p + j] + c * f[up + j];
    }
  }
}

/** Fourth order on a uniform axis: five-point central inside, one-sided and biased five-point stencils at the edges. */
function fourthOrderGradient(f: ArrayLike<number>, ax: AxisPlan, out: Float64Array, range: AxisRange): void {
  const { n, inner: s } = ax;
  const { o0, o1, i0, i1 } = range;
  const h12 = 12 * ax.step!;
  const has = (i: number) => i >= i0 && i < i1;
  for (let o = o0; o < o1; o++) {
    const row = o * n * s;
    const start = row + Math.max(2, i0) * s,
      end = row + Math.min(n - 2, i1) * s;
    for (let p = start; p < end; p++) out[p] = (-f[p + 2 * s] + 8 * f[p + s] - 8 * f[p - s] + f[p - 2 * s]) / h12;
    for (let j = 0; j < s; j++) {
      const a = row + j,
        z = row + (n - 1) * s + j; // f[0] and f[n−1] of this line
      const v = (p: number, k: number) => f[p + k * s];
      if (has(0)) out[a] = (-25 * v(a, 0) + 48 * v(a, 1) - 36 * v(a, 2) + 16 * v(a, 3) - 3 * v(a, 4)) / h12;
      if (has(1)) out[a + s] = (-3 * v(a, 0) - 10 * v(a, 1) + 18 * v(a, 2) - 6 * v(a, 3) + v(a, 4)) / h12;
      if (has(n - 2)) out[z - s] = (3 * v(z, 0) + 10 * v(z, -1) - 18 * v(z, -2) + 6 * v(z, -3) - v(z, -4)) / h12;
      if (has(n - 1)) out[z] = (25 * v(z, 0) - 48 * v(z, -1) + 36 * v(z, -2) - 16 * v(z, -3) + 3 * v(z, -4)) / h12;
    }
  }
}
