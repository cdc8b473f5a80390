import { type AxisPlan, isGhost, type Plan, type Side } from '../plan.js';
import { edgeSteps, edgeWeights2 } from '../stencil.js';
import { MAX_INDEX, SKEW } from './unroll.js';

/**
 * numpy's stencils of every selected axis in one pass, for the common plans: uniform steps, at least two
 * dimensions, lines of 32 or more along the last; a periodic axis's ends take the central difference with
 * neighbours wrapped; fourth order takes five-point differences (fourthRun). An interior point gets
 * `(f[p + s] − f[p − s]) / (2h)` for up to three axes in one loop, so the loop's own work is shared by
 * the axes; lines at an axis's first or last position take that axis's one-sided stencil instead. Where
 * 2h is a power of two (the default spacing 1 among them) the quotient is computed as a product with
 * 1/(2h): the same real number, rounded once either way, so numpy's bits.
 *
 * Measured on the 2-core VM of bench/NOTES.md (thirteenth session), float64 into warm `out` arrays,
 * `bench/cpu.mjs` beside the axis-by-axis loops in slabs that this replaces, two runs each: both axes of
 * 2048² 8.8–8.9 ms against 10.6–11.2, all axes of 128³ 6.6–6.8 against 7.9–8.4, of 256³ 54–57 against
 * 65–66. In scratch micro-benchmarks the product alone was 0.89× the quotient, one loop for both axes
 * 0.85× two.
 */

/** A selected axis as the fused loops use it. */
export interface FusedAxis {
  /** Its dimension. */
  readonly axis: number;
  readonly n: number;
  /** Elements between neighbours along it. */
  readonly s: number;
  /** Its uniform step h. */
  readonly step: number;
  /** Boundary 'periodic': its first and last positions take the central difference with neighbours wrapped, not `edge`. */
  readonly periodic: boolean;
  /** What the interior difference is multiplied by (1/(2h)) or divided by (2h): see FusedPlan.multiply. */
  readonly factor: number;
  /** Its output's index among the plan's selected axes. */
  readonly k: number;
  /** Its one-sided stencils. */
  readonly edge: Edge;
  /** Its ghost sides (boundary modes beyond the ends), low and high, or null where a side is not one. */
  readonly ghostLo: Side | null;
  readonly ghostHi: Side | null;
}

/** An axis's one-sided stencils at its first and last positions (numpy's edge_order 1 or 2, uniform steps). */
export interface Edge {
  readonly order: 1 | 2;
  readonly lo: number;
  readonly hi: number;
  readonly w: ReturnType<typeof edgeWeights2>;
}

/** What a plan's fused pass needs, made once per plan. */
export interface FusedPlan {
  readonly shape: readonly number[];
  /** Selected axes other than the last dimension. */
  readonly across: readonly FusedAxis[];
  /** The last dimension, or null when it is not selected. */
  readonly along: FusedAxis | null;
  /** Whether the factors are products (every 2h a power of two) or divisors; always divisors (12h) with fourth order. */
  readonly multiply: boolean;
  /** The plan's accuracy: three-point central differences, or five-point ones (positions 0, 1, n − 2, n − 1 at the ends). */
  readonly accuracy: 2 | 4;
  /**
   * Whether an axis has a ghost side: the gradient's loops give it numpy's one-sided values, which the
   * gradient then replaces (gradient.ts ghostEnds); sums of first derivatives (fused-sum.ts) take the
   * ghost stencils at those ends.
   */
  readonly ghosts: boolean;
}

/**
 * Lines shorter than this take the axis-by-axis loops, where the fused pass's work a line (its state, the
 * ends it writes twice) is not paid back. With every length from 3 fused (scratch, thirteenth session,
 * against the axis-by-axis loops): 1,048,576×3 1.22×, 524,288×4 1.21×, 262,144×8 0.96×, 131,072×16 1.01×,
 * 32,768×31 0.88×, 16×16 1.13×, 8×8×8 1.34×; from 32 every shape measured gained (0.75–0.99×).
 */
const MIN_LINE = 32;

const PLANS = new WeakMap<Plan, FusedPlan | null>();

/** The plan's fused pass, or null where it takes the axis-by-axis loops (non-uniform axes, one dimension, short lines). */
export function fusedPlan(plan: Plan): FusedPlan | null {
  let fused = PLANS.get(plan);
  if (fused === undefined) {
    fused = makeFused(plan);
    PLANS.set(plan, fused);
  }
  return fused;
}

function makeFused(plan: Plan): FusedPlan | null {
  const d = plan.shape.length;
  if (d < 2 || plan.shape[d - 1] < MIN_LINE) return null;
  if (plan.axes.some((ax) => ax.dx !== null)) return null;
  // Its loops mask their indices to 30 bits (unroll.ts): beyond, the axis-by-axis loops run.
  if (plan.size > MAX_INDEX) return null;
  const { accuracy } = plan;
  const multiply = accuracy === 2 && plan.axes.every((ax) => exactReciprocal(2 * ax.step!));
  const fusedAxis = (ax: AxisPlan, k: number): FusedAxis => ({
    axis: ax.axis,
    n: ax.n,
    s: ax.inner,
    step: ax.step!,
    periodic: ax.periodic,
    factor: accuracy === 4 ? 12 * ax.step! : multiply ? 1 / (2 * ax.step!) : 2 * ax.step!,
    k,
    edge: { order: plan.edgeOrder, ...edgeSteps(ax), w: edgeWeights2(ax) },
    ghostLo: isGhost(ax.lo) ? ax.lo : null,
    ghostHi: isGhost(ax.hi) ? ax.hi : null,
  });
  const across = plan.axes.flatMap((ax, k) => (ax.axis === d - 1 ? [] : [fusedAxis(ax, k)]));
  const last = plan.axes.findIndex((ax) => ax.axis === d - 1);
  const ghosts = plan.axes.some((ax) => isGhost(ax.lo) || isGhost(ax.hi));
  return { shape: plan.shape, across, along: last < 0 ? null : fusedAxis(plan.axes[last], last), multiply, accuracy, ghosts };
}

/** Whether x · (1/h) is x / h for every double x: h a power of two (kept to those whose reciprocal is a normal double). */
export function exactReciprocal(h: number): boolean {
  const m = Math.abs(h);
  if (!(m > 0) || !Number.isFinite(m)) return false;
  const e = Math.log2(m);
  return Number.isInteger(e) && e >= -1022 && e <= 1022 && 2 ** e === m;
}

type Out = Float64Array;

/** Scratch of a pass: the current line's positions along dimensions 0..d−2, and the axes central on a run with their outputs. */
const position: number[] = [];
const central: FusedAxis[] = [];
const centralOut: Float64Array[] = [];

/**
 * Every selected axis's results for the positions `b0..b1` of the first dimension (the whole array is
 * 0..shape[0]; threads take disjoint ranges, cpu/workers.ts). Each element gets the expression that the
 * axis-by-axis loops give it (gradient.ts directGradient), bit for bit. Consecutive lines on which every
 * other axis takes the same stencil (central, or one-sided at its first or last position) are one run,
 * computed by one loop over its elements: a loop a line took 1.1× as long at 2048² (scratch, thirteenth
 * session).
 */
export function fusedSlab(f: ArrayLike<number>, fused: FusedPlan, outs: readonly Float64Array[], b0: number, b1: number): void {
  forEachRun(fused, b0, b1, (state, l0, l1) => fusedRun(f, fused, outs, state, l0, l1));
}

/** The digit (forEachRun's) of position i of n along an axis whose stencils reach `reach` points: 0 inside, 1… at the ends. */
export function endDigit(i: number, n: number, reach: number): number {
  return i < reach ? 1 + i : i >= n - reach ? 1 + reach + i - (n - reach) : 0;
}

/**
 * Calls `run(state, l0, l1)` for each run of consecutive lines (along the last dimension) l0..l1 in the
 * positions `b0..b1` of the first dimension on which every selected axis but the last dimension takes the
 * same stencil. `state` holds a digit per axis of `fused.across`, the first the most significant, in base
 * 3 (second order: 0 central, 1 at the axis's first position, 2 at its last) or 5 (fourth order: 0 central,
 * 1 and 2 at positions 0 and 1, 3 and 4 at n − 2 and n − 1): see digitBase.
 */
export function forEachRun(fused: FusedPlan, b0: number, b1: number, run: (state: number, l0: number, l1: number) => void): void {
  const { shape, across } = fused;
  const d = shape.length;
  let linesPerFirst = 1;
  for (let i = 1; i < d - 1; i++) linesPerFirst *= shape[i];
  // The first line's positions, then counted on line by line.
  position.length = d - 1;
  let rest = b0 * linesPerFirst;
  for (let i = d - 2; i >= 0; i--) {
    position[i] = rest % shape[i];
    rest = Math.floor(rest / shape[i]);
  }
  let runStart = b0 * linesPerFirst;
  let runState = -1;
  const reach = fused.accuracy === 4 ? 2 : 1;
  const base = 2 * reach + 1;
  for (let l = runStart, end = b1 * linesPerFirst; l <= end; l++) {
    // A line's state; −1 ends the last run.
    let state = l < end ? 0 : -1;
    for (let j = 0; j < across.length && state >= 0; j++) {
      state = state * base + endDigit(position[across[j].axis], across[j].n, reach);
    }
    if (state !== runState) {
      if (runState >= 0) run(runState, runStart, l);
      runState = state;
      runStart = l;
    }
    for (let i = d - 2; i >= 0; i--) {
      if (++position[i] < shape[i]) break;
      position[i] = 0;
    }
  }
}

/** Lines l0..l1, on which every other axis takes the stencil `state` says (fusedSlab). */
function fusedRun(f: ArrayLike<number>, fused: FusedPlan, outs: readonly Float64Array[], state: number, l0: number, l1: number): void {
  const { shape, across, along, multiply, accuracy } = fused;
  const line = shape[shape.length - 1];
  const p0 = l0 * line,
    p1 = l1 * line;
  const base = accuracy === 4 ? 5 : 3;
  let c = 0;
  for (let j = across.length - 1; j >= 0; j--) {
    const digit = state % base;
    state = (state - digit) / base;
    const a = across[j];
    if (digit !== 0 && accuracy === 4) endRun4(f, a, digit, outs[a.k], p0, p1);
    else if (digit !== 0 && a.periodic) wrapRun(f, a, digit === 2, multiply, outs[a.k], p0, p1);
    else if (digit !== 0) edgeRun(f, a.s, a.edge, digit === 2, outs[a.k], p0, p1);
    else {
      central[c] = a;
      centralOut[c] = outs[a.k];
      c++;
    }
  }
  if (accuracy === 4) {
    fourthRun(f, fused, outs, c, p0, p1, line, l0, l1);
    return;
  }
  if (along === null) {
    centralRun(f, 0, c, multiply, p0, p1);
    return;
  }
  // One loop over the run, the last dimension among the central axes: at the ends of its lines that loop
  // takes differences across lines, which lineEnds then replaces with the one-sided stencils; the run's
  // first and last elements, outside the loop, get the other axes' central differences here.
  const out = outs[along.k];
  alongRun(f, c, multiply, p0 + 1, p1 - 1, out, along.factor);
  centralRun(f, 0, c, multiply, p0, p0 + 1);
  centralRun(f, 0, c, multiply, p1 - 1, p1);
  if (along.periodic) wrappedLineEnds(f, along.factor, multiply, out, l0, l1, line);
  else lineEnds(f, along.edge, out, l0, l1, line);
}

/**
 * The last dimension's central differences into `w` at p0..p1, in one loop with up to two of the first
 * `count` axes of `central` (the rest in loops of their own). The along* loops write its stride as the
 * literal 1: as a variable, like the other axes', a loop took 1.08× as long (scratch, 2048², thirteenth
 * session).
 */
function alongRun(f: ArrayLike<number>, count: number, multiply: boolean, p0: number, p1: number, w: Out, m: number): void {
  if (count === 0) {
    if (multiply) alongTimes1(f, p0, p1, w, m);
    else alongOver1(f, p0, p1, w, m);
    return;
  }
  const a = central[0];
  const x = centralOut[0];
  if (count === 1) {
    if (multiply) alongTimes2(f, p0, p1, x, a.s, a.factor, w, m);
    else alongOver2(f, p0, p1, x, a.s, a.factor, w, m);
    return;
  }
  const b = central[1];
  const y = centralOut[1];
  if (multiply) alongTimes3(f, p0, p1, x, a.s, a.factor, y, b.s, b.factor, w, m);
  else alongOver3(f, p0, p1, x, a.s, a.factor, y, b.s, b.factor, w, m);
  centralRun(f, 2, count, multiply, p0, p1);
}

/** The last dimension's one-sided stencils at both ends of lines l0..l1. */
function lineEnds(f: ArrayLike<number>, edge: Edge, out: Out, l0: number, l1: number, line: number): void {
  if (edge.order === 1) {
    const { lo, hi } = edge;
    for (let a = l0 * line, end = l1 * line; a < end; a += line) {
      const z = a + line - 1;
      out[a] = (f[a + 1] - f[a]) / lo;
      out[z] = (f[z] - f[z - 1]) / hi;
    }
    return;
  }
  const { lo, hi } = edge.w;
  for (let a = l0 * line, end = l1 * line; a < end; a += line) {
    const z = a + line - 1;
    out[a] = lo.a * f[a] + lo.b * f[a + 1] + lo.c * f[a + 2];
    out[z] = hi.a * f[z - 2] + hi.b * f[z - 1] + hi.c * f[z];
  }
}

/** A periodic last dimension's central differences at both ends of lines l0..l1, neighbours wrapped. */
// biome-ignore format: one case a line
function wrappedLineEnds(f: ArrayLike<number>, m: number, multiply: boolean, out: Out, l0: number, l1: number, line: number): void {
  for (let a = l0 * line, end = l1 * line; a < end; a += line) {
    const z = a + line - 1;
    out[a] = multiply ? (f[a + 1] - f[z]) * m : (f[a + 1] - f[z]) / m;
    out[z] = multiply ? (f[a] - f[z - 1]) * m : (f[a] - f[z - 1]) / m;
  }
}

/**
 * A periodic axis's neighbours at its first (`hi` false) or last position: the offsets from an element of
 * the one after it and the one before it, wrapped (gradient.ts periodicGradient's, for any n ≥ 1).
 */
export function wrapOffsets(n: number, s: number, hi: boolean): readonly [up: number, dn: number] {
  const i = hi ? n - 1 : 0;
  return [i + 1 < n ? s : -(n - 1) * s, i > 0 ? -s : (n - 1) * s];
}

/** A periodic axis's central difference at p0..p1, which lie at its first (`hi` false) or last position. */
// biome-ignore format: one case a line
function wrapRun(f: ArrayLike<number>, a: FusedAxis, hi: boolean, multiply: boolean, out: Float64Array, p0: number, p1: number): void {
  const [up, dn] = wrapOffsets(a.n, a.s, hi);
  const m = a.factor;
  if (multiply) for (let p = p0; p < p1; p++) out[p] = (f[p + up] - f[p + dn]) * m;
  else for (let p = p0; p < p1; p++) out[p] = (f[p + up] - f[p + dn]) / m;
}

/** The central differences of axes `from..count` of `central` at p0..p1, up to three axes a loop. */
function centralRun(f: ArrayLike<number>, from: number, count: number, multiply: boolean, p0: number, p1: number): void {
  for (let k = from; k < count; k += 3) {
    const left = count - k;
    const a = central[k];
    const x = centralOut[k];
    if (left === 1) {
      if (multiply) times1(f, p0, p1, x, a.s, a.factor);
      else over1(f, p0, p1, x, a.s, a.factor);
      continue;
    }
    const b = central[k + 1];
    const y = centralOut[k + 1];
    if (left === 2) {
      if (multiply) times2(f, p0, p1, x, a.s, a.factor, y, b.s, b.factor);
      else over2(f, p0, p1, x, a.s, a.factor, y, b.s, b.factor);
      continue;
    }
    const c = central[k + 2];
    const z = centralOut[k + 2];
    if (multiply) times3(f, p0, p1, x, a.s, a.factor, y, b.s, b.factor, z, c.s, c.factor);
    else over3(f, p0, p1, x, a.s, a.factor, y, b.s, b.factor, z, c.s, c.factor);
  }
}

/** The one-sided stencil of an axis of stride `s` at p0..p1, which lie at its first (`hi` false) or last position. */
function edgeRun(f: ArrayLike<number>, s: number, edge: Edge, hi: boolean, out: Float64Array, p0: number, p1: number): void {
  if (edge.order === 1) {
    if (hi) for (let p = p0; p < p1; p++) out[p] = (f[p] - f[p - s]) / edge.hi;
    else for (let p = p0; p < p1; p++) out[p] = (f[p + s] - f[p]) / edge.lo;
  } else if (hi) {
    const { a, b, c } = edge.w.hi;
    for (let p = p0; p < p1; p++) out[p] = a * f[p - 2 * s] + b * f[p - s] + c * f[p];
  } else {
    const { a, b, c } = edge.w.lo;
    for (let p = p0; p < p1; p++) out[p] = a * f[p] + b * f[p + s] + c * f[p + 2 * s];
  }
}

/**
 * Fourth order: the central axes of a run (the first `count` of `central`) with five-point differences,
 * the last dimension's as in fusedRun (one loop over the run, then its lines' two first and two last
 * points rewritten), gradient.ts fourthOrderGradient's expressions.
 */
// biome-ignore format: one case a line
function fourthRun(f: ArrayLike<number>, fused: FusedPlan, outs: readonly Float64Array[], count: number, p0: number, p1: number, line: number, l0: number, l1: number): void {
  const { along } = fused;
  if (along === null) {
    fourthCentral(f, 0, count, p0, p1);
    return;
  }
  const w = outs[along.k];
  const h = along.factor;
  const x = centralOut[0],
    y = centralOut[1];
  if (count === 0) quarticAlong1(f, p0 + 2, p1 - 2, w, h);
  else if (count === 1) quarticAlong2(f, p0 + 2, p1 - 2, x, central[0].s, central[0].factor, w, h);
  else quarticAlong3(f, p0 + 2, p1 - 2, x, central[0].s, central[0].factor, y, central[1].s, central[1].factor, w, h);
  fourthCentral(f, Math.min(count, 2), count, p0 + 2, p1 - 2);
  fourthCentral(f, 0, count, p0, p0 + 2);
  fourthCentral(f, 0, count, p1 - 2, p1);
  for (let a = l0 * line, end = l1 * line; a < end; a += line)
    for (let digit = 1; digit <= 4; digit++) {
      const p = digit <= 2 ? a + digit - 1 : a + line - 5 + digit;
      w[p] = fourthEnd(f, along.s, along.n, along.periodic, h, digit, p);
    }
}

/** Axes `from..count` of `central`, five-point, at p0..p1, one loop an axis. */
function fourthCentral(f: ArrayLike<number>, from: number, count: number, p0: number, p1: number): void {
  for (let k = from; k < count; k++) quartic1(f, p0, p1, centralOut[k], central[k].s, central[k].factor);
}

/** An axis's fourth-order stencil at p0..p1, at position 0, 1, n − 2 or n − 1 (`digit` 1–4). */
function endRun4(f: ArrayLike<number>, a: FusedAxis, digit: number, out: Float64Array, p0: number, p1: number): void {
  for (let p = p0; p < p1; p++) out[p] = fourthEnd(f, a.s, a.n, a.periodic, a.factor, digit, p);
}

/**
 * The fourth-order value at p of an axis of stride `s` and `n` points, at position 0, 1, n − 2 or n − 1
 * (`digit` 1–4), divided by `h12` (12h): the one-sided and biased five-point stencils of gradient.ts
 * fourthOrderGradient (each written, as there, from the line's first or last point), or on a periodic axis
 * the central one with the neighbours wrapped (periodicGradient).
 */
// biome-ignore format: one case a line
export function fourthEnd(f: ArrayLike<number>, s: number, n: number, periodic: boolean, h12: number, digit: number, p: number): number {
  if (periodic) {
    const i = digit <= 2 ? digit - 1 : n - 5 + digit;
    const at = (k: number) => p + (((((i + k) % n) + n) % n) - i) * s;
    return (-f[at(2)] + 8 * f[at(1)] - 8 * f[at(-1)] + f[at(-2)]) / h12;
  }
  if (digit === 1) return (-25 * f[p] + 48 * f[p + s] - 36 * f[p + 2 * s] + 16 * f[p + 3 * s] - 3 * f[p + 4 * s]) / h12;
  if (digit === 2) {
    const a = p - s;
    return (-3 * f[a] - 10 * f[a + s] + 18 * f[a + 2 * s] - 6 * f[a + 3 * s] + f[a + 4 * s]) / h12;
  }
  if (digit === 3) {
    const z = p + s;
    return (3 * f[z] + 10 * f[z - s] - 18 * f[z - 2 * s] + 6 * f[z - 3 * s] - f[z - 4 * s]) / h12;
  }
  return (25 * f[p] - 48 * f[p - s] + 36 * f[p - 2 * s] - 16 * f[p - 3 * s] + 3 * f[p - 4 * s]) / h12;
}

// The five-point interior loops (fourth order, always quotients by 12h); the quarticAlong ones take the
// last dimension (stride 1) as their last axis.
function quartic1(f: ArrayLike<number>, p0: number, p1: number, x: Out, sx: number, hx: number): void {
  for (let p = p0; p < p1; p++) x[p] = (-f[p + 2 * sx] + 8 * f[p + sx] - 8 * f[p - sx] + f[p - 2 * sx]) / hx;
}
function quarticAlong1(f: ArrayLike<number>, p0: number, p1: number, w: Out, hw: number): void {
  for (let p = p0; p < p1; p++) w[p] = (-f[p + 2] + 8 * f[p + 1] - 8 * f[p - 1] + f[p - 2]) / hw;
}
// biome-ignore format: one axis a line
function quarticAlong2(f: ArrayLike<number>, p0: number, p1: number, x: Out, sx: number, hx: number, w: Out, hw: number): void {
  const a = p0 & 0x3fffffff, b = p1 & 0x3fffffff, s = sx & 0x1fffffff;
  let r = a;
  for (const head = r + ((b - r) & 7); r < head && r < b; r++) {
    x[r] = (-f[r + 2 * s] + 8 * f[r + s] - 8 * f[r - s] + f[r - 2 * s]) / hx;
    w[r] = (-f[r + 2] + 8 * f[r + 1] - 8 * f[r - 1] + f[r - 2]) / hw;
  }
  for (; r < b; r += 8) {
    x[r] = (-f[r + 2 * s] + 8 * f[r + s] - 8 * f[r - s] + f[r - 2 * s]) / hx;
    w[r] = (-f[r + 2] + 8 * f[r + 1] - 8 * f[r - 1] + f[r - 2]) / hw;
    x[r + 1] = (-f[r + 1 + 2 * s] + 8 * f[r + 1 + s] - 8 * f[r + 1 - s] + f[r + 1 - 2 * s]) / hx;
    w[r + 1] = (-f[r + 3] + 8 * f[r + 2] - 8 * f[r] + f[r - 1]) / hw;
    x[r + 2] = (-f[r + 2 + 2 * s] + 8 * f[r + 2 + s] - 8 * f[r + 2 - s] + f[r + 2 - 2 * s]) / hx;
    w[r + 2] = (-f[r + 4] + 8 * f[r + 3] - 8 * f[r + 1] + f[r]) / hw;
    x[r + 3] = (-f[r + 3 + 2 * s] + 8 * f[r + 3 + s] - 8 * f[r + 3 - s] + f[r + 3 - 2 * s]) / hx;
    w[r + 3] = (-f[r + 5] + 8 * f[r + 4] - 8 * f[r + 2] + f[r + 1]) / hw;
    x[r + 4] = (-f[r + 4 + 2 * s] + 8 * f[r + 4 + s] - 8 * f[r + 4 - s] + f[r + 4 - 2 * s]) / hx;
    w[r + 4] = (-f[r + 6] + 8 * f[r + 5] - 8 * f[r + 3] + f[r + 2]) / hw;
    x[r + 5] = (-f[r + 5 + 2 * s] + 8 * f[r + 5 + s] - 8 * f[r + 5 - s] + f[r + 5 - 2 * s]) / hx;
    w[r + 5] = (-f[r + 7] + 8 * f[r + 6] - 8 * f[r + 4] + f[r + 3]) / hw;
    x[r + 6] = (-f[r + 6 + 2 * s] + 8 * f[r + 6 + s] - 8 * f[r + 6 - s] + f[r + 6 - 2 * s]) / hx;
    w[r + 6] = (-f[r + 8] + 8 * f[r + 7] - 8 * f[r + 5] + f[r + 4]) / hw;
    x[r + 7] = (-f[r + 7 + 2 * s] + 8 * f[r + 7 + s] - 8 * f[r + 7 - s] + f[r + 7 - 2 * s]) / hx;
    w[r + 7] = (-f[r + 9] + 8 * f[r + 8] - 8 * f[r + 6] + f[r + 5]) / hw;
  }
}
// biome-ignore format: one axis a line
function quarticAlong3(f: ArrayLike<number>, p0: number, p1: number, x: Out, sx: number, hx: number, y: Out, sy: number, hy: number, w: Out, hw: number): void {
  const a = p0 & 0x3fffffff, b = p1 & 0x3fffffff, s = sx & 0x1fffffff, t = sy & 0x1fffffff;
  let r = a;
  for (const head = r + ((b - r) & 7); r < head && r < b; r++) {
    x[r] = (-f[r + 2 * s] + 8 * f[r + s] - 8 * f[r - s] + f[r - 2 * s]) / hx;
    y[r] = (-f[r + 2 * t] + 8 * f[r + t] - 8 * f[r - t] + f[r - 2 * t]) / hy;
    w[r] = (-f[r + 2] + 8 * f[r + 1] - 8 * f[r - 1] + f[r - 2]) / hw;
  }
  for (; r < b; r += 8) {
    x[r] = (-f[r + 2 * s] + 8 * f[r + s] - 8 * f[r - s] + f[r - 2 * s]) / hx;
    y[r] = (-f[r + 2 * t] + 8 * f[r + t] - 8 * f[r - t] + f[r - 2 * t]) / hy;
    w[r] = (-f[r + 2] + 8 * f[r + 1] - 8 * f[r - 1] + f[r - 2]) / hw;
    x[r + 1] = (-f[r + 1 + 2 * s] + 8 * f[r + 1 + s] - 8 * f[r + 1 - s] + f[r + 1 - 2 * s]) / hx;
    y[r + 1] = (-f[r + 1 + 2 * t] + 8 * f[r + 1 + t] - 8 * f[r + 1 - t] + f[r + 1 - 2 * t]) / hy;
    w[r + 1] = (-f[r + 3] + 8 * f[r + 2] - 8 * f[r] + f[r - 1]) / hw;
    x[r + 2] = (-f[r + 2 + 2 * s] + 8 * f[r + 2 + s] - 8 * f[r + 2 - s] + f[r + 2 - 2 * s]) / hx;
    y[r + 2] = (-f[r + 2 + 2 * t] + 8 * f[r + 2 + t] - 8 * f[r + 2 - t] + f[r + 2 - 2 * t]) / hy;
    w[r + 2] = (-f[r + 4] + 8 * f[r + 3] - 8 * f[r + 1] + f[r]) / hw;
    x[r + 3] = (-f[r + 3 + 2 * s] + 8 * f[r + 3 + s] - 8 * f[r + 3 - s] + f[r + 3 - 2 * s]) / hx;
    y[r + 3] = (-f[r + 3 + 2 * t] + 8 * f[r + 3 + t] - 8 * f[r + 3 - t] + f[r + 3 - 2 * t]) / hy;
    w[r + 3] = (-f[r + 5] + 8 * f[r + 4] - 8 * f[r + 2] + f[r + 1]) / hw;
    x[r + 4] = (-f[r + 4 + 2 * s] + 8 * f[r + 4 + s] - 8 * f[r + 4 - s] + f[r + 4 - 2 * s]) / hx;
    y[r + 4] = (-f[r + 4 + 2 * t] + 8 * f[r + 4 + t] - 8 * f[r + 4 - t] + f[r + 4 - 2 * t]) / hy;
    w[r + 4] = (-f[r + 6] + 8 * f[r + 5] - 8 * f[r + 3] + f[r + 2]) / hw;
    x[r + 5] = (-f[r + 5 + 2 * s] + 8 * f[r + 5 + s] - 8 * f[r + 5 - s] + f[r + 5 - 2 * s]) / hx;
    y[r + 5] = (-f[r + 5 + 2 * t] + 8 * f[r + 5 + t] - 8 * f[r + 5 - t] + f[r + 5 - 2 * t]) / hy;
    w[r + 5] = (-f[r + 7] + 8 * f[r + 6] - 8 * f[r + 4] + f[r + 3]) / hw;
    x[r + 6] = (-f[r + 6 + 2 * s] + 8 * f[r + 6 + s] - 8 * f[r + 6 - s] + f[r + 6 - 2 * s]) / hx;
    y[r + 6] = (-f[r + 6 + 2 * t] + 8 * f[r + 6 + t] - 8 * f[r + 6 - t] + f[r + 6 - 2 * t]) / hy;
    w[r + 6] = (-f[r + 8] + 8 * f[r + 7] - 8 * f[r + 5] + f[r + 4]) / hw;
    x[r + 7] = (-f[r + 7 + 2 * s] + 8 * f[r + 7 + s] - 8 * f[r + 7 - s] + f[r + 7 - 2 * s]) / hx;
    y[r + 7] = (-f[r + 7 + 2 * t] + 8 * f[r + 7 + t] - 8 * f[r + 7 - t] + f[r + 7 - 2 * t]) / hy;
    w[r + 7] = (-f[r + 9] + 8 * f[r + 8] - 8 * f[r + 6] + f[r + 5]) / hw;
  }
}

// The interior loops, one to three axes each, as products or as quotients, each written out as one tight loop;
// the along* ones take the last dimension (stride 1) as their last axis.
/** One axis's central differences times mx into x at p0..p1 (gradient.ts's centralQuotients takes it too). */
export function times1(f: ArrayLike<number>, p0: number, p1: number, x: Out, sx: number, mx: number): void {
  const a = p0 & 0x3fffffff,
    b = p1 & 0x3fffffff,
    s = sx & 0x3fffffff;
  let p = a;
  for (const head = p + ((b - p) & 7); p < head && p < b; p++) x[p] = (f[p + s] - f[p - s]) * mx;
  for (; p < b; p += 8) {
    x[p] = (f[p + s] - f[p - s]) * mx;
    x[p + 1] = (f[p + 1 + s] - f[p + 1 - s]) * mx;
    x[p + 2] = (f[p + 2 + s] - f[p + 2 - s]) * mx;
    x[p + 3] = (f[p + 3 + s] - f[p + 3 - s]) * mx;
    x[p + 4] = (f[p + 4 + s] - f[p + 4 - s]) * mx;
    x[p + 5] = (f[p + 5 + s] - f[p + 5 - s]) * mx;
    x[p + 6] = (f[p + 6 + s] - f[p + 6 - s]) * mx;
    x[p + 7] = (f[p + 7 + s] - f[p + 7 - s]) * mx;
  }
}
function times2(f: ArrayLike<number>, p0: number, p1: number, x: Out, sx: number, mx: number, y: Out, sy: number, my: number): void {
  for (let p = p0; p < p1; p++) {
    x[p] = (f[p + sx] - f[p - sx]) * mx;
    y[p] = (f[p + sy] - f[p - sy]) * my;
  }
}
// biome-ignore format: one axis a line
function times3(f: ArrayLike<number>, p0: number, p1: number, x: Out, sx: number, mx: number, y: Out, sy: number, my: number, z: Out, sz: number, mz: number): void {
  for (let p = p0; p < p1; p++) {
    x[p] = (f[p + sx] - f[p - sx]) * mx;
    y[p] = (f[p + sy] - f[p - sy]) * my;
    z[p] = (f[p + sz] - f[p - sz]) * mz;
  }
}
/** times1 with quotients. */
export function over1(f: ArrayLike<number>, p0: number, p1: number, x: Out, sx: number, hx: number): void {
  const a = p0 & 0x3fffffff,
    b = p1 & 0x3fffffff,
    s = sx & 0x3fffffff;
  let p = a;
  for (const head = p + ((b - p) & 7); p < head && p < b; p++) x[p] = (f[p + s] - f[p - s]) / hx;
  for (; p < b; p += 8) {
    x[p] = (f[p + s] - f[p - s]) / hx;
    x[p + 1] = (f[p + 1 + s] - f[p + 1 - s]) / hx;
    x[p + 2] = (f[p + 2 + s] - f[p + 2 - s]) / hx;
    x[p + 3] = (f[p + 3 + s] - f[p + 3 - s]) / hx;
    x[p + 4] = (f[p + 4 + s] - f[p + 4 - s]) / hx;
    x[p + 5] = (f[p + 5 + s] - f[p + 5 - s]) / hx;
    x[p + 6] = (f[p + 6 + s] - f[p + 6 - s]) / hx;
    x[p + 7] = (f[p + 7 + s] - f[p + 7 - s]) / hx;
  }
}
function over2(f: ArrayLike<number>, p0: number, p1: number, x: Out, sx: number, hx: number, y: Out, sy: number, hy: number): void {
  for (let p = p0; p < p1; p++) {
    x[p] = (f[p + sx] - f[p - sx]) / hx;
    y[p] = (f[p + sy] - f[p - sy]) / hy;
  }
}
// biome-ignore format: one axis a line
function over3(f: ArrayLike<number>, p0: number, p1: number, x: Out, sx: number, hx: number, y: Out, sy: number, hy: number, z: Out, sz: number, hz: number): void {
  for (let p = p0; p < p1; p++) {
    x[p] = (f[p + sx] - f[p - sx]) / hx;
    y[p] = (f[p + sy] - f[p - sy]) / hy;
    z[p] = (f[p + sz] - f[p - sz]) / hz;
  }
}
function alongTimes1(f: ArrayLike<number>, p0: number, p1: number, w: Out, mw: number): void {
  const a = p0 & 0x3fffffff,
    b = p1 & 0x3fffffff;
  let p = a;
  for (const head = p + ((b - p) & 7); p < head && p < b; p++) w[p] = (f[p + 1] - f[p - 1]) * mw;
  for (; p < b; p += 8) {
    w[p] = (f[p + 1] - f[p - 1]) * mw;
    w[p + 1] = (f[p + 2] - f[p]) * mw;
    w[p + 2] = (f[p + 3] - f[p + 1]) * mw;
    w[p + 3] = (f[p + 4] - f[p + 2]) * mw;
    w[p + 4] = (f[p + 5] - f[p + 3]) * mw;
    w[p + 5] = (f[p + 6] - f[p + 4]) * mw;
    w[p + 6] = (f[p + 7] - f[p + 5]) * mw;
    w[p + 7] = (f[p + 8] - f[p + 6]) * mw;
  }
}
/**
 * The loops along the last dimension with one or two other axes write their outputs SKEW elements apart:
 * x at p + SKEW while w is at p (three axes: x at p + 2·SKEW, y at p + SKEW), each element still computed
 * once by its own expression. Arrays as allocated have addresses alike in their low 12 bits, and whether
 * the streams also collide further up depends on where the process maps them, so the plain loops ran fast
 * or slow by placement. On this project's VM (bench/NOTES.md):
 * - 256³ (eighteenth session): writing all three at p took 242–245 ms, against 85–99 with the outputs
 *   offset by 64 elements and 82–88 skewed; 128³, 160³ and 192³ took 0.97–1.08× the unskewed loop.
 * - 2048² (nineteenth session): six pairs of outputs allocated one after another took 13.1–13.6 or
 *   17.8–18.5 ms by pair, in one process; skewed, 13.4–13.9 for every pair. Outputs placed in one buffer,
 *   the second starting one row (2048 elements) past the first's end or before its start, took 32.8–33.6
 *   ms, skewed 13.6–14.7; at nine other such placements the skewed loop took 1.01–1.08× the plain one.
 * The offsets are literals: SKEW read from the module scope in the loop conditions took about 1.15× as
 * long, a second index variable 1.1×. These loops, and the fourth-order ones, are unrolled and masked
 * as unroll.ts says.
 */

// biome-ignore format: one axis a line
function alongTimes2(f: ArrayLike<number>, p0: number, p1: number, x: Out, sx: number, mx: number, w: Out, mw: number): void {
  if (p1 - p0 <= 2 * SKEW) {
    for (let p = p0; p < p1; p++) {
      x[p] = (f[p + sx] - f[p - sx]) * mx;
      w[p] = (f[p + 1] - f[p - 1]) * mw;
    }
    return;
  }
  const a = p0 & 0x3fffffff, b = p1 & 0x3fffffff, s = sx & 0x3fffffff;
  for (let p = a; p < a + 72; p++) x[p] = (f[p + s] - f[p - s]) * mx;
  const r = alongTimes2Main(f, a, b, x, s, mx, w, mw);
  alongTimes1(f, r, b, w, mw); // w, behind x, on r … b
}

/** alongTimes2's unrolled part, from a; returns where it stopped. A function of its own, so that no code follows
 * its loop once V8 compiles it on stack replacement (unroll.ts). */
// biome-ignore format: one axis a line
function alongTimes2Main(f: ArrayLike<number>, a: number, b: number, x: Out, s: number, mx: number, w: Out, mw: number): number {
  let r = a;
  for (const head = r + ((b - 72 - r) & 7); r < head && r < b - 72; r++) { x[r + 72] = (f[r + 72 + s] - f[r + 72 - s]) * mx; w[r] = (f[r + 1] - f[r - 1]) * mw; }
  for (; r < b - 72; r += 8) {
    x[r + 72] = (f[r + 72 + s] - f[r + 72 - s]) * mx; w[r] = (f[r + 1] - f[r - 1]) * mw;
    x[r + 73] = (f[r + 73 + s] - f[r + 73 - s]) * mx; w[r + 1] = (f[r + 2] - f[r]) * mw;
    x[r + 74] = (f[r + 74 + s] - f[r + 74 - s]) * mx; w[r + 2] = (f[r + 3] - f[r + 1]) * mw;
    x[r + 75] = (f[r + 75 + s] - f[r + 75 - s]) * mx; w[r + 3] = (f[r + 4] - f[r + 2]) * mw;
    x[r + 76] = (f[r + 76 + s] - f[r + 76 - s]) * mx; w[r + 4] = (f[r + 5] - f[r + 3]) * mw;
    x[r + 77] = (f[r + 77 + s] - f[r + 77 - s]) * mx; w[r + 5] = (f[r + 6] - f[r + 4]) * mw;
    x[r + 78] = (f[r + 78 + s] - f[r + 78 - s]) * mx; w[r + 6] = (f[r + 7] - f[r + 5]) * mw;
    x[r + 79] = (f[r + 79 + s] - f[r + 79 - s]) * mx; w[r + 7] = (f[r + 8] - f[r + 6]) * mw;
  }
  return r;
}
// biome-ignore format: one axis a line
function alongTimes3(f: ArrayLike<number>, p0: number, p1: number, x: Out, sx: number, mx: number, y: Out, sy: number, my: number, w: Out, mw: number): void {
  if (p1 - p0 <= 2 * SKEW) {
    for (let p = p0; p < p1; p++) {
      x[p] = (f[p + sx] - f[p - sx]) * mx;
      y[p] = (f[p + sy] - f[p - sy]) * my;
      w[p] = (f[p + 1] - f[p - 1]) * mw;
    }
    return;
  }
  const a = p0 & 0x3fffffff, b = p1 & 0x3fffffff, s = sx & 0x3fffffff, t = sy & 0x3fffffff;
  for (let p = a; p < a + 72; p++) x[p] = (f[p + s] - f[p - s]) * mx;
  for (let p = a + 72, q = a; p < a + 144; p++, q++) {
    x[p] = (f[p + s] - f[p - s]) * mx;
    y[q] = (f[q + t] - f[q - t]) * my;
  }
  const r = alongTimes3Main(f, a, b, x, s, mx, y, t, my, w, mw);
  // What runs behind the outputs ahead: y on r + 72 … b, w on r … b.
  times1(f, r + 72, b, y, t, my);
  alongTimes1(f, r, b, w, mw);
}

/** alongTimes3's unrolled part, from a; returns where it stopped. A function of its own, so that no code follows
 * its loop once V8 compiles it on stack replacement (unroll.ts). */
// biome-ignore format: one axis a line
function alongTimes3Main(f: ArrayLike<number>, a: number, b: number, x: Out, s: number, mx: number, y: Out, t: number, my: number, w: Out, mw: number): number {
  let r = a;
  for (const head = r + ((b - 144 - r) & 7); r < head && r < b - 144; r++) {
    x[r + 144] = (f[r + 144 + s] - f[r + 144 - s]) * mx;
    y[r + 72] = (f[r + 72 + t] - f[r + 72 - t]) * my;
    w[r] = (f[r + 1] - f[r - 1]) * mw;
  }
  for (; r < b - 144; r += 8) {
    x[r + 144] = (f[r + 144 + s] - f[r + 144 - s]) * mx;
    y[r + 72] = (f[r + 72 + t] - f[r + 72 - t]) * my;
    w[r] = (f[r + 1] - f[r - 1]) * mw;
    x[r + 145] = (f[r + 145 + s] - f[r + 145 - s]) * mx;
    y[r + 73] = (f[r + 73 + t] - f[r + 73 - t]) * my;
    w[r + 1] = (f[r + 2] - f[r]) * mw;
    x[r + 146] = (f[r + 146 + s] - f[r + 146 - s]) * mx;
    y[r + 74] = (f[r + 74 + t] - f[r + 74 - t]) * my;
    w[r + 2] = (f[r + 3] - f[r + 1]) * mw;
    x[r + 147] = (f[r + 147 + s] - f[r + 147 - s]) * mx;
    y[r + 75] = (f[r + 75 + t] - f[r + 75 - t]) * my;
    w[r + 3] = (f[r + 4] - f[r + 2]) * mw;
    x[r + 148] = (f[r + 148 + s] - f[r + 148 - s]) * mx;
    y[r + 76] = (f[r + 76 + t] - f[r + 76 - t]) * my;
    w[r + 4] = (f[r + 5] - f[r + 3]) * mw;
    x[r + 149] = (f[r + 149 + s] - f[r + 149 - s]) * mx;
    y[r + 77] = (f[r + 77 + t] - f[r + 77 - t]) * my;
    w[r + 5] = (f[r + 6] - f[r + 4]) * mw;
    x[r + 150] = (f[r + 150 + s] - f[r + 150 - s]) * mx;
    y[r + 78] = (f[r + 78 + t] - f[r + 78 - t]) * my;
    w[r + 6] = (f[r + 7] - f[r + 5]) * mw;
    x[r + 151] = (f[r + 151 + s] - f[r + 151 - s]) * mx;
    y[r + 79] = (f[r + 79 + t] - f[r + 79 - t]) * my;
    w[r + 7] = (f[r + 8] - f[r + 6]) * mw;
  }
  return r;
}
function alongOver1(f: ArrayLike<number>, p0: number, p1: number, w: Out, hw: number): void {
  const a = p0 & 0x3fffffff,
    b = p1 & 0x3fffffff;
  let p = a;
  for (const head = p + ((b - p) & 7); p < head && p < b; p++) w[p] = (f[p + 1] - f[p - 1]) / hw;
  for (; p < b; p += 8) {
    w[p] = (f[p + 1] - f[p - 1]) / hw;
    w[p + 1] = (f[p + 2] - f[p]) / hw;
    w[p + 2] = (f[p + 3] - f[p + 1]) / hw;
    w[p + 3] = (f[p + 4] - f[p + 2]) / hw;
    w[p + 4] = (f[p + 5] - f[p + 3]) / hw;
    w[p + 5] = (f[p + 6] - f[p + 4]) / hw;
    w[p + 6] = (f[p + 7] - f[p + 5]) / hw;
    w[p + 7] = (f[p + 8] - f[p + 6]) / hw;
  }
}
/** alongTimes2 with quotients, unrolled and skewed alike. */
// biome-ignore format: one axis a line
function alongOver2(f: ArrayLike<number>, p0: number, p1: number, x: Out, sx: number, hx: number, w: Out, hw: number): void {
  if (p1 - p0 <= 2 * SKEW) {
    for (let p = p0; p < p1; p++) {
      x[p] = (f[p + sx] - f[p - sx]) / hx;
      w[p] = (f[p + 1] - f[p - 1]) / hw;
    }
    return;
  }
  const a = p0 & 0x3fffffff, b = p1 & 0x3fffffff, s = sx & 0x3fffffff;
  for (let p = a; p < a + 72; p++) x[p] = (f[p + s] - f[p - s]) / hx;
  const r = alongOver2Main(f, a, b, x, s, hx, w, hw);
  alongOver1(f, r, b, w, hw); // w, behind x, on r … b
}

/** alongOver2's unrolled part, from a; returns where it stopped. A function of its own, so that no code follows
 * its loop once V8 compiles it on stack replacement (unroll.ts). */
// biome-ignore format: one axis a line
function alongOver2Main(f: ArrayLike<number>, a: number, b: number, x: Out, s: number, hx: number, w: Out, hw: number): number {
  let r = a;
  for (const head = r + ((b - 72 - r) & 7); r < head && r < b - 72; r++) { x[r + 72] = (f[r + 72 + s] - f[r + 72 - s]) / hx; w[r] = (f[r + 1] - f[r - 1]) / hw; }
  for (; r < b - 72; r += 8) {
    x[r + 72] = (f[r + 72 + s] - f[r + 72 - s]) / hx; w[r] = (f[r + 1] - f[r - 1]) / hw;
    x[r + 73] = (f[r + 73 + s] - f[r + 73 - s]) / hx; w[r + 1] = (f[r + 2] - f[r]) / hw;
    x[r + 74] = (f[r + 74 + s] - f[r + 74 - s]) / hx; w[r + 2] = (f[r + 3] - f[r + 1]) / hw;
    x[r + 75] = (f[r + 75 + s] - f[r + 75 - s]) / hx; w[r + 3] = (f[r + 4] - f[r + 2]) / hw;
    x[r + 76] = (f[r + 76 + s] - f[r + 76 - s]) / hx; w[r + 4] = (f[r + 5] - f[r + 3]) / hw;
    x[r + 77] = (f[r + 77 + s] - f[r + 77 - s]) / hx; w[r + 5] = (f[r + 6] - f[r + 4]) / hw;
    x[r + 78] = (f[r + 78 + s] - f[r + 78 - s]) / hx; w[r + 6] = (f[r + 7] - f[r + 5]) / hw;
    x[r + 79] = (f[r + 79 + s] - f[r + 79 - s]) / hx; w[r + 7] = (f[r + 8] - f[r + 6]) / hw;
  }
  return r;
}
/** alongTimes3 with quotients, unrolled and skewed alike. */
// biome-ignore format: one axis a line
function alongOver3(f: ArrayLike<number>, p0: number, p1: number, x: Out, sx: number, hx: number, y: Out, sy: number, hy: number, w: Out, hw: number): void {
  if (p1 - p0 <= 2 * SKEW) {
    for (let p = p0; p < p1; p++) {
      x[p] = (f[p + sx] - f[p - sx]) / hx;
      y[p] = (f[p + sy] - f[p - sy]) / hy;
      w[p] = (f[p + 1] - f[p - 1]) / hw;
    }
    return;
  }
  const a = p0 & 0x3fffffff, b = p1 & 0x3fffffff, s = sx & 0x3fffffff, t = sy & 0x3fffffff;
  for (let p = a; p < a + 72; p++) x[p] = (f[p + s] - f[p - s]) / hx;
  for (let p = a + 72, q = a; p < a + 144; p++, q++) {
    x[p] = (f[p + s] - f[p - s]) / hx;
    y[q] = (f[q + t] - f[q - t]) / hy;
  }
  const r = alongOver3Main(f, a, b, x, s, hx, y, t, hy, w, hw);
  // What runs behind the outputs ahead: y on r + 72 … b, w on r … b.
  over1(f, r + 72, b, y, t, hy);
  alongOver1(f, r, b, w, hw);
}

/** alongOver3's unrolled part, from a; returns where it stopped. A function of its own, so that no code follows
 * its loop once V8 compiles it on stack replacement (unroll.ts). */
// biome-ignore format: one axis a line
function alongOver3Main(f: ArrayLike<number>, a: number, b: number, x: Out, s: number, hx: number, y: Out, t: number, hy: number, w: Out, hw: number): number {
  let r = a;
  for (const head = r + ((b - 144 - r) & 7); r < head && r < b - 144; r++) {
    x[r + 144] = (f[r + 144 + s] - f[r + 144 - s]) / hx;
    y[r + 72] = (f[r + 72 + t] - f[r + 72 - t]) / hy;
    w[r] = (f[r + 1] - f[r - 1]) / hw;
  }
  for (; r < b - 144; r += 8) {
    x[r + 144] = (f[r + 144 + s] - f[r + 144 - s]) / hx;
    y[r + 72] = (f[r + 72 + t] - f[r + 72 - t]) / hy;
    w[r] = (f[r + 1] - f[r - 1]) / hw;
    x[r + 145] = (f[r + 145 + s] - f[r + 145 - s]) / hx;
    y[r + 73] = (f[r + 73 + t] - f[r + 73 - t]) / hy;
    w[r + 1] = (f[r + 2] - f[r]) / hw;
    x[r + 146] = (f[r + 146 + s] - f[r + 146 - s]) / hx;
    y[r + 74] = (f[r + 74 + t] - f[r + 74 - t]) / hy;
    w[r + 2] = (f[r + 3] - f[r + 1]) / hw;
    x[r + 147] = (f[r + 147 + s] - f[r + 147 - s]) / hx;
    y[r + 75] = (f[r + 75 + t] - f[r + 75 - t]) / hy;
    w[r + 3] = (f[r + 4] - f[r + 2]) / hw;
    x[r + 148] = (f[r + 148 + s] - f[r + 148 - s]) / hx;
    y[r + 76] = (f[r + 76 + t] - f[r + 76 - t]) / hy;
    w[r + 4] = (f[r + 5] - f[r + 3]) / hw;
    x[r + 149] = (f[r + 149 + s] - f[r + 149 - s]) / hx;
    y[r + 77] = (f[r + 77 + t] - f[r + 77 - t]) / hy;
    w[r + 5] = (f[r + 6] - f[r + 4]) / hw;
    x[r + 150] = (f[r + 150 + s] - f[r + 150 - s]) / hx;
    y[r + 78] = (f[r + 78 + t] - f[r + 78 - t]) / hy;
    w[r + 6] = (f[r + 7] - f[r + 5]) / hw;
    x[r + 151] = (f[r + 151 + s] - f[r + 151 - s]) / hx;
    y[r + 79] = (f[r + 79 + t] - f[r + 79 - t]) / hy;
    w[r + 7] = (f[r + 8] - f[r + 6]) / hw;
  }
  return r;
}
