import type { Side } from '../plan.js';
import { endDigit, type FusedAxis, type FusedPlan, forEachRun, fourthEnd, wrapOffsets } from './fused.js';
import { ghostAt } from './lines.js';

/**
 * Sums of derivatives in one pass, for the divergence, the curl, the magnitude and the Laplacian on the
 * plans the gradient's fused pass takes (fused.ts; periodic axes included), as `Mode` says:
 * out = ±t_0 ± t_1 ± …, each term t one input's numpy stencil along one selected axis, summed in the
 * order given; √(t_0² + t_1² + …); or 0 + t_0 + t_1 + … of second differences. Inside (every axis
 * central) one loop computes the whole sum; at the array's faces, each term is a pass of its own over the
 * run, the first storing and the others adding, so the order is the same everywhere. A term with sign −1
 * is computed with its factor or weights negated: IEEE rounding is symmetric, so that is exactly −t, and
 * a + (−t) is a − t, bit for bit.
 *
 * Measured on the 2-core VM of bench/NOTES.md (fourteenth session): docs/performance.md, "The fused fields
 * on the CPU".
 */

/**
 * What a sum is: 'sum' of first derivatives; 'norm', the root of their squares' sum; 'laplacian', second
 * differences (f[p+s] − 2f[p] + f[p−s]) / h² inside and (2f[0] − 5f[1] + 4f[2] − f[3]) / h² at an end,
 * added to 0 (derived.ts laplacianOf, whose composition fills its result with zeros first).
 */
export type Mode = 'sum' | 'norm' | 'laplacian';

/** A term of a sum: input `input`'s derivative along the plan's selected axis `k`, times `sign`. */
export interface SumTerm {
  readonly input: number;
  readonly k: number;
  readonly sign: 1 | -1;
}

/** A term as the loops use it: its input, its axis, its signed factor and one-sided stencils. */
interface Resolved {
  readonly f: ArrayLike<number>;
  readonly axis: FusedAxis;
  /** Whether the axis is the last dimension (stride 1, its line ends in every run). */
  readonly along: boolean;
  readonly s: number;
  /** ±1/(2h) (multiplied) or ±2h (divided by), as FusedPlan.multiply says; a second difference's 1/h² (multiplied). */
  readonly factor: number;
  /** Whether the term is a second difference. */
  readonly second: boolean;
  /** Whether the term is a five-point (fourth-order) first derivative, divided by ±12h. */
  readonly fourth: boolean;
  /** One-sided stencils with the sign taken in: edge order 1 divides by ±lo, ±hi; order 2 weighs by ±a, ±b, ±c. */
  readonly lo: number;
  readonly hi: number;
  readonly wlo: readonly [number, number, number];
  readonly whi: readonly [number, number, number];
  /** The term's sign, by which a ghost end's value is multiplied. */
  readonly sign: 1 | -1;
}

function resolve(inputs: readonly ArrayLike<number>[], fused: FusedPlan, term: SumTerm, second: boolean): Resolved {
  const axis = fused.along?.k === term.k ? fused.along : fused.across.find((a) => a.k === term.k);
  if (axis === undefined) throw new Error(`unreachable: no selected axis ${term.k}`);
  const { sign } = term;
  const { edge } = axis;
  const { lo, hi } = edge.w;
  if (second && (axis.ghostLo || axis.ghostHi)) throw new Error('unreachable: second differences with ghost sides take the slabs');
  return {
    f: inputs[term.input],
    axis,
    along: axis === fused.along,
    s: axis === fused.along ? 1 : axis.s,
    factor: second ? sign / (axis.step * axis.step) : sign * axis.factor,
    second,
    fourth: !second && fused.accuracy === 4,
    lo: sign * edge.lo,
    hi: sign * edge.hi,
    wlo: [sign * lo.a, sign * lo.b, sign * lo.c],
    whi: [sign * hi.a, sign * hi.b, sign * hi.c],
    sign,
  };
}

/** out = the sum of `terms` as `mode` says, at the positions `b0..b1` of the first dimension (the whole array: 0..shape[0]). */
export function fusedSum(
  inputs: readonly ArrayLike<number>[],
  fused: FusedPlan,
  terms: readonly SumTerm[],
  out: Float64Array,
  b0: number,
  b1: number,
  mode: Mode = 'sum',
): void {
  const resolved = terms.map((t) => resolve(inputs, fused, t, mode === 'laplacian'));
  const line = fused.shape[fused.shape.length - 1];
  // Second differences are always multiplied by 1/h², as laplacianOf does; fourth order always divides.
  const multiply = mode === 'laplacian' || fused.multiply;
  const reach = fused.accuracy === 4 ? 2 : 1;
  const kernels = fused.accuracy === 4 ? FOURTH[mode as 'sum' | 'norm'] : multiply ? CENTRAL[mode].times : CENTRAL[mode].over;
  forEachRun(fused, b0, b1, (state, l0, l1) => {
    const p0 = l0 * line,
      p1 = l1 * line;
    if (state === 0 && resolved.length <= 3) {
      const hasAlong = fused.along !== null;
      const q0 = hasAlong ? p0 + reach : p0,
        q1 = hasAlong ? p1 - reach : p1;
      centralLoop(kernels, resolved, out, q0, q1);
      if (hasAlong) for (let a = p0; a < p1; a += line) lineEnds(resolved, multiply, mode, reach, out, a, line);
      return;
    }
    resolved.forEach((r, t) => {
      if (r.along) alongPass(r, multiply, mode, reach, out, t === 0, p0, p1, line);
      else termPass(r, digitOf(fused, state, r.axis), multiply, mode, out, t === 0, p0, p1);
    });
    if (mode === 'norm') for (let p = p0; p < p1; p++) out[p] = Math.sqrt(out[p]);
  });
}

/** The first term's value as the sum starts from it: itself, or 0 + it for the Laplacian (−0 becomes +0, as in its composition). */
function started(v: number, mode: Mode): number {
  return mode === 'laplacian' ? 0 + v : v;
}

/** A term's value as it is summed: squared for the norm. */
function summand(v: number, mode: Mode): number {
  return mode === 'norm' ? v * v : v;
}

/**
 * out[p] = the first term's value (`first`), or out[p] + the next one's, as the mode sums them. The edge
 * values go through here rather than being returned: a double returned by a function V8 does not inline
 * is a new heap number (a 64² magnitude's line ends made 22.5 KB of them a call; bench/NOTES.md,
 * twentieth session).
 */
function put(out: Float64Array, p: number, v: number, mode: Mode, first: boolean): void {
  const w = summand(v, mode);
  out[p] = first ? started(w, mode) : out[p] + w;
}

/** The stencil `state` gives an axis of `fused.across` (forEachRun): 0 central, else the end position's digit. */
function digitOf(fused: FusedPlan, state: number, axis: FusedAxis): number {
  const base = fused.accuracy === 4 ? 5 : 3;
  const j = fused.across.indexOf(axis);
  return Math.floor(state / base ** (fused.across.length - 1 - j)) % base;
}

/** A field's interior loops for one, two and three terms: each term its input, stride and factor. */
type K1 = (out: Float64Array, p0: number, p1: number, f: In, sf: number, mf: number) => void;
// biome-ignore format: one term a line
type K2 = (out: Float64Array, p0: number, p1: number, f: In, sf: number, mf: number, g: In, sg: number, mg: number) => void;
// biome-ignore format: one term a line
type K3 = (out: Float64Array, p0: number, p1: number, f: In, sf: number, mf: number, g: In, sg: number, mg: number, h: In, sh: number, mh: number) => void;
type Kernels = readonly [K1, K2, K3];

/** One to three central terms in one loop over p0..p1, by the kernel of their count. */
function centralLoop(kernels: Kernels, r: readonly Resolved[], out: Float64Array, p0: number, p1: number): void {
  const [x, y, z] = r;
  if (r.length === 1) kernels[0](out, p0, p1, x.f, x.s, x.factor);
  else if (r.length === 2) kernels[1](out, p0, p1, x.f, x.s, x.factor, y.f, y.s, y.factor);
  else kernels[2](out, p0, p1, x.f, x.s, x.factor, y.f, y.s, y.factor, z.f, z.s, z.factor);
}

/**
 * The sum at the ends of the line starting at a (its first and last `reach` points), where the last
 * dimension's term takes its end stencils and the others are central.
 */
function lineEnds(r: readonly Resolved[], multiply: boolean, mode: Mode, reach: number, out: Float64Array, a: number, line: number): void {
  for (let digit = 1; digit <= 2 * reach; digit++) {
    const p = digit <= reach ? a + digit - 1 : a + line - 1 - 2 * reach + digit;
    for (let t = 0; t < r.length; t++) {
      const u = r[t];
      if (u.along) endInto(u, multiply, digit, p, mode, out, t === 0);
      else put(out, p, central(u, multiply, p), mode, t === 0);
    }
    if (mode === 'norm') out[p] = Math.sqrt(out[p]);
  }
}

function central(u: Resolved, multiply: boolean, p: number): number {
  const { f, s } = u;
  if (u.fourth) return (-f[p + 2 * s] + 8 * f[p + s] - 8 * f[p - s] + f[p - 2 * s]) / u.factor;
  if (u.second) return (f[p + s] - 2 * f[p] + f[p - s]) * u.factor;
  return multiply ? (f[p + s] - f[p - s]) * u.factor : (f[p + s] - f[p - s]) / u.factor;
}

/**
 * A term at p, at the end position `digit` says (forEachRun's digits: second order 1 first, 2 last; fourth
 * order 1–4 for positions 0, 1, n − 2, n − 1), put into out[p] (`put`): its one-sided stencil, or on a
 * periodic axis its central one with the neighbours wrapped (gradient.ts periodicGradient and
 * fourthOrderGradient, derived.ts endTerms).
 */
// biome-ignore format: the point's arguments together
function endInto(u: Resolved, multiply: boolean, digit: number, p: number, mode: Mode, out: Float64Array, first: boolean): void {
  const { f, s } = u;
  const hi = digit === 2;
  const { ghostLo, ghostHi } = u.axis;
  if (ghostLo !== null || ghostHi !== null) {
    const low = digit <= (u.fourth ? 2 : 1);
    const side = low ? ghostLo : ghostHi;
    if (side !== null) {
      ghostInto(u, side, digit, p, mode, out, first);
      return;
    }
  }
  let v: number;
  if (u.fourth) v = fourthEnd(f, s, u.axis.n, u.axis.periodic, u.factor, digit, p);
  else if (u.axis.periodic) {
    const [up, dn] = wrapOffsets(u.axis.n, s, hi);
    if (u.second) v = (f[p + up] - 2 * f[p] + f[p + dn]) * u.factor;
    else v = multiply ? (f[p + up] - f[p + dn]) * u.factor : (f[p + up] - f[p + dn]) / u.factor;
  } else if (u.second) {
    const d = hi ? -s : s;
    v = (2 * f[p] - 5 * f[p + d] + 4 * f[p + 2 * d] - f[p + 3 * d]) * u.factor;
  } else if (u.axis.edge.order === 1) v = hi ? (f[p] - f[p - s]) / u.hi : (f[p + s] - f[p]) / u.lo;
  else if (hi) {
    const [a, b, c] = u.whi;
    v = a * f[p - 2 * s] + b * f[p - s] + c * f[p];
  } else {
    const [a, b, c] = u.wlo;
    v = a * f[p] + b * f[p + s] + c * f[p + 2 * s];
  }
  put(out, p, v, mode, first);
}

/**
 * A term at an end position on a ghost side (`digit` as endInto's), put into out[p]: the interior stencil
 * over the ghost values beyond the end, as gradient.ts ghostEnds writes it (its expression, divided by 2h
 * or 12h), times the term's sign (exact), so the sum has the bits of the per-axis composition.
 */
// biome-ignore format: the point's arguments together
function ghostInto(u: Resolved, side: Side, digit: number, p: number, mode: Mode, out: Float64Array, first: boolean): void {
  const { f, s } = u;
  const step = u.axis.step;
  let v: number;
  if (!u.fourth) {
    v = digit === 1 ? (f[p + s] - ghostAt(f, side, 1, p, s)) / (2 * step) : (ghostAt(f, side, 1, p, -s) - f[p - s]) / (2 * step);
  } else if (digit <= 2) {
    const e = digit === 1 ? p : p - s; // the line's first element
    const g1 = ghostAt(f, side, 1, e, s);
    v =
      digit === 1
        ? (-f[e + 2 * s] + 8 * f[e + s] - 8 * g1 + ghostAt(f, side, 2, e, s)) / (12 * step)
        : (-f[e + 3 * s] + 8 * f[e + 2 * s] - 8 * f[e] + g1) / (12 * step);
  } else {
    const q = digit === 4 ? p : p + s; // the line's last element
    const g1 = ghostAt(f, side, 1, q, -s);
    v =
      digit === 3
        ? (-g1 + 8 * f[q] - 8 * f[q - 2 * s] + f[q - 3 * s]) / (12 * step)
        : (-ghostAt(f, side, 2, q, -s) + 8 * g1 - 8 * f[q - s] + f[q - 2 * s]) / (12 * step);
  }
  put(out, p, u.sign * v, mode, first);
}

/**
 * A term of an axis other than the last dimension over p0..p1, all at one stencil (`digit`), stored
 * (`first`) or added: the faces' runs, and sums of more than three terms.
 */
// biome-ignore format: one case a line
function termPass(u: Resolved, digit: number, multiply: boolean, mode: Mode, out: Float64Array, first: boolean, p0: number, p1: number): void {
  if (digit === 0 && mode === 'sum' && !u.fourth) {
    const { f, s, factor } = u;
    if (multiply) {
      if (first) for (let p = p0; p < p1; p++) out[p] = (f[p + s] - f[p - s]) * factor;
      else for (let p = p0; p < p1; p++) out[p] += (f[p + s] - f[p - s]) * factor;
    } else if (first) for (let p = p0; p < p1; p++) out[p] = (f[p + s] - f[p - s]) / factor;
    else for (let p = p0; p < p1; p++) out[p] += (f[p + s] - f[p - s]) / factor;
    return;
  }
  if (digit === 0) for (let p = p0; p < p1; p++) put(out, p, central(u, multiply, p), mode, first);
  else for (let p = p0; p < p1; p++) endInto(u, multiply, digit, p, mode, out, first);
}

/** The last dimension's term over the lines of p0..p1, stored (`first`) or added: central inside each line, its end stencils at its first and last `reach` points. */
// biome-ignore format: one case a line
function alongPass(u: Resolved, multiply: boolean, mode: Mode, reach: number, out: Float64Array, first: boolean, p0: number, p1: number, line: number): void {
  for (let a = p0; a < p1; a += line) {
    for (let i = 0; i < line; i++) {
      const p = a + i;
      const digit = endDigit(i, line, reach);
      if (digit === 0) put(out, p, central(u, multiply, p), mode, first);
      else endInto(u, multiply, digit, p, mode, out, first);
    }
  }
}

// The interior loops: one to three terms summed in order, as products or as quotients. These, the norms'
// and the second differences' loops of two and three terms, and the fourth-order sums of two and three
// and norm of two, run eight points an iteration with masked indices (unroll.ts).
type In = ArrayLike<number>;
function times1(out: Float64Array, p0: number, p1: number, f: In, sf: number, mf: number): void {
  for (let p = p0; p < p1; p++) out[p] = (f[p + sf] - f[p - sf]) * mf;
}
// biome-ignore format: one term a line
function times2(out: Float64Array, p0: number, p1: number, f: In, sf0: number, mf: number, g: In, sg0: number, mg: number): void {
  const i0 = p0 & 0x3fffffff, i1 = p1 & 0x3fffffff, sf = sf0 & 0x3fffffff, sg = sg0 & 0x3fffffff;
  let p = i0;
  for (const head = p + ((i1 - p) & 7); p < head && p < i1; p++) out[p] = (f[p + sf] - f[p - sf]) * mf + (g[p + sg] - g[p - sg]) * mg;
  for (; p < i1; p += 8) {
    out[p] = (f[p + sf] - f[p - sf]) * mf + (g[p + sg] - g[p - sg]) * mg;
    out[p + 1] = (f[p + 1 + sf] - f[p + 1 - sf]) * mf + (g[p + 1 + sg] - g[p + 1 - sg]) * mg;
    out[p + 2] = (f[p + 2 + sf] - f[p + 2 - sf]) * mf + (g[p + 2 + sg] - g[p + 2 - sg]) * mg;
    out[p + 3] = (f[p + 3 + sf] - f[p + 3 - sf]) * mf + (g[p + 3 + sg] - g[p + 3 - sg]) * mg;
    out[p + 4] = (f[p + 4 + sf] - f[p + 4 - sf]) * mf + (g[p + 4 + sg] - g[p + 4 - sg]) * mg;
    out[p + 5] = (f[p + 5 + sf] - f[p + 5 - sf]) * mf + (g[p + 5 + sg] - g[p + 5 - sg]) * mg;
    out[p + 6] = (f[p + 6 + sf] - f[p + 6 - sf]) * mf + (g[p + 6 + sg] - g[p + 6 - sg]) * mg;
    out[p + 7] = (f[p + 7 + sf] - f[p + 7 - sf]) * mf + (g[p + 7 + sg] - g[p + 7 - sg]) * mg;
  }
}
// biome-ignore format: one term a line
function times3(out: Float64Array, p0: number, p1: number, f: In, sf0: number, mf: number, g: In, sg0: number, mg: number, h: In, sh0: number, mh: number): void {
  const i0 = p0 & 0x3fffffff, i1 = p1 & 0x3fffffff, sf = sf0 & 0x3fffffff, sg = sg0 & 0x3fffffff, sh = sh0 & 0x3fffffff;
  let p = i0;
  for (const head = p + ((i1 - p) & 7); p < head && p < i1; p++) out[p] = (f[p + sf] - f[p - sf]) * mf + (g[p + sg] - g[p - sg]) * mg + (h[p + sh] - h[p - sh]) * mh;
  for (; p < i1; p += 8) {
    out[p] = (f[p + sf] - f[p - sf]) * mf + (g[p + sg] - g[p - sg]) * mg + (h[p + sh] - h[p - sh]) * mh;
    out[p + 1] = (f[p + 1 + sf] - f[p + 1 - sf]) * mf + (g[p + 1 + sg] - g[p + 1 - sg]) * mg + (h[p + 1 + sh] - h[p + 1 - sh]) * mh;
    out[p + 2] = (f[p + 2 + sf] - f[p + 2 - sf]) * mf + (g[p + 2 + sg] - g[p + 2 - sg]) * mg + (h[p + 2 + sh] - h[p + 2 - sh]) * mh;
    out[p + 3] = (f[p + 3 + sf] - f[p + 3 - sf]) * mf + (g[p + 3 + sg] - g[p + 3 - sg]) * mg + (h[p + 3 + sh] - h[p + 3 - sh]) * mh;
    out[p + 4] = (f[p + 4 + sf] - f[p + 4 - sf]) * mf + (g[p + 4 + sg] - g[p + 4 - sg]) * mg + (h[p + 4 + sh] - h[p + 4 - sh]) * mh;
    out[p + 5] = (f[p + 5 + sf] - f[p + 5 - sf]) * mf + (g[p + 5 + sg] - g[p + 5 - sg]) * mg + (h[p + 5 + sh] - h[p + 5 - sh]) * mh;
    out[p + 6] = (f[p + 6 + sf] - f[p + 6 - sf]) * mf + (g[p + 6 + sg] - g[p + 6 - sg]) * mg + (h[p + 6 + sh] - h[p + 6 - sh]) * mh;
    out[p + 7] = (f[p + 7 + sf] - f[p + 7 - sf]) * mf + (g[p + 7 + sg] - g[p + 7 - sg]) * mg + (h[p + 7 + sh] - h[p + 7 - sh]) * mh;
  }
}
function over1(out: Float64Array, p0: number, p1: number, f: In, sf: number, hf: number): void {
  for (let p = p0; p < p1; p++) out[p] = (f[p + sf] - f[p - sf]) / hf;
}
// biome-ignore format: one term a line
function over2(out: Float64Array, p0: number, p1: number, f: In, sf0: number, hf: number, g: In, sg0: number, hg: number): void {
  const i0 = p0 & 0x3fffffff, i1 = p1 & 0x3fffffff, sf = sf0 & 0x3fffffff, sg = sg0 & 0x3fffffff;
  let p = i0;
  for (const head = p + ((i1 - p) & 7); p < head && p < i1; p++) out[p] = (f[p + sf] - f[p - sf]) / hf + (g[p + sg] - g[p - sg]) / hg;
  for (; p < i1; p += 8) {
    out[p] = (f[p + sf] - f[p - sf]) / hf + (g[p + sg] - g[p - sg]) / hg;
    out[p + 1] = (f[p + 1 + sf] - f[p + 1 - sf]) / hf + (g[p + 1 + sg] - g[p + 1 - sg]) / hg;
    out[p + 2] = (f[p + 2 + sf] - f[p + 2 - sf]) / hf + (g[p + 2 + sg] - g[p + 2 - sg]) / hg;
    out[p + 3] = (f[p + 3 + sf] - f[p + 3 - sf]) / hf + (g[p + 3 + sg] - g[p + 3 - sg]) / hg;
    out[p + 4] = (f[p + 4 + sf] - f[p + 4 - sf]) / hf + (g[p + 4 + sg] - g[p + 4 - sg]) / hg;
    out[p + 5] = (f[p + 5 + sf] - f[p + 5 - sf]) / hf + (g[p + 5 + sg] - g[p + 5 - sg]) / hg;
    out[p + 6] = (f[p + 6 + sf] - f[p + 6 - sf]) / hf + (g[p + 6 + sg] - g[p + 6 - sg]) / hg;
    out[p + 7] = (f[p + 7 + sf] - f[p + 7 - sf]) / hf + (g[p + 7 + sg] - g[p + 7 - sg]) / hg;
  }
}
// biome-ignore format: one term a line
function over3(out: Float64Array, p0: number, p1: number, f: In, sf0: number, hf: number, g: In, sg0: number, hg: number, h: In, sh0: number, hh: number): void {
  const i0 = p0 & 0x3fffffff, i1 = p1 & 0x3fffffff, sf = sf0 & 0x3fffffff, sg = sg0 & 0x3fffffff, sh = sh0 & 0x3fffffff;
  let p = i0;
  for (const head = p + ((i1 - p) & 7); p < head && p < i1; p++) out[p] = (f[p + sf] - f[p - sf]) / hf + (g[p + sg] - g[p - sg]) / hg + (h[p + sh] - h[p - sh]) / hh;
  for (; p < i1; p += 8) {
    out[p] = (f[p + sf] - f[p - sf]) / hf + (g[p + sg] - g[p - sg]) / hg + (h[p + sh] - h[p - sh]) / hh;
    out[p + 1] = (f[p + 1 + sf] - f[p + 1 - sf]) / hf + (g[p + 1 + sg] - g[p + 1 - sg]) / hg + (h[p + 1 + sh] - h[p + 1 - sh]) / hh;
    out[p + 2] = (f[p + 2 + sf] - f[p + 2 - sf]) / hf + (g[p + 2 + sg] - g[p + 2 - sg]) / hg + (h[p + 2 + sh] - h[p + 2 - sh]) / hh;
    out[p + 3] = (f[p + 3 + sf] - f[p + 3 - sf]) / hf + (g[p + 3 + sg] - g[p + 3 - sg]) / hg + (h[p + 3 + sh] - h[p + 3 - sh]) / hh;
    out[p + 4] = (f[p + 4 + sf] - f[p + 4 - sf]) / hf + (g[p + 4 + sg] - g[p + 4 - sg]) / hg + (h[p + 4 + sh] - h[p + 4 - sh]) / hh;
    out[p + 5] = (f[p + 5 + sf] - f[p + 5 - sf]) / hf + (g[p + 5 + sg] - g[p + 5 - sg]) / hg + (h[p + 5 + sh] - h[p + 5 - sh]) / hh;
    out[p + 6] = (f[p + 6 + sf] - f[p + 6 - sf]) / hf + (g[p + 6 + sg] - g[p + 6 - sg]) / hg + (h[p + 6 + sh] - h[p + 6 - sh]) / hh;
    out[p + 7] = (f[p + 7 + sf] - f[p + 7 - sf]) / hf + (g[p + 7 + sg] - g[p + 7 - sg]) / hg + (h[p + 7 + sh] - h[p + 7 - sh]) / hh;
  }
}

// The magnitude's interior loops: √ of one to three terms' squares summed in order.
function norm1Times(out: Float64Array, p0: number, p1: number, f: In, sf: number, mf: number): void {
  for (let p = p0; p < p1; p++) {
    const a = (f[p + sf] - f[p - sf]) * mf;
    out[p] = Math.sqrt(a * a);
  }
}
// biome-ignore format: one term a line
function norm2Times(out: Float64Array, p0: number, p1: number, f: In, sf0: number, mf: number, g: In, sg0: number, mg: number): void {
  const i0 = p0 & 0x3fffffff, i1 = p1 & 0x3fffffff, sf = sf0 & 0x3fffffff, sg = sg0 & 0x3fffffff;
  let p = i0;
  for (const head = p + ((i1 - p) & 7); p < head && p < i1; p++) { const a = (f[p + sf] - f[p - sf]) * mf; const b = (g[p + sg] - g[p - sg]) * mg; out[p] = Math.sqrt(a * a + b * b); }
  for (; p < i1; p += 8) {
    { const a = (f[p + sf] - f[p - sf]) * mf; const b = (g[p + sg] - g[p - sg]) * mg; out[p] = Math.sqrt(a * a + b * b); }
    { const a = (f[p + 1 + sf] - f[p + 1 - sf]) * mf; const b = (g[p + 1 + sg] - g[p + 1 - sg]) * mg; out[p + 1] = Math.sqrt(a * a + b * b); }
    { const a = (f[p + 2 + sf] - f[p + 2 - sf]) * mf; const b = (g[p + 2 + sg] - g[p + 2 - sg]) * mg; out[p + 2] = Math.sqrt(a * a + b * b); }
    { const a = (f[p + 3 + sf] - f[p + 3 - sf]) * mf; const b = (g[p + 3 + sg] - g[p + 3 - sg]) * mg; out[p + 3] = Math.sqrt(a * a + b * b); }
    { const a = (f[p + 4 + sf] - f[p + 4 - sf]) * mf; const b = (g[p + 4 + sg] - g[p + 4 - sg]) * mg; out[p + 4] = Math.sqrt(a * a + b * b); }
    { const a = (f[p + 5 + sf] - f[p + 5 - sf]) * mf; const b = (g[p + 5 + sg] - g[p + 5 - sg]) * mg; out[p + 5] = Math.sqrt(a * a + b * b); }
    { const a = (f[p + 6 + sf] - f[p + 6 - sf]) * mf; const b = (g[p + 6 + sg] - g[p + 6 - sg]) * mg; out[p + 6] = Math.sqrt(a * a + b * b); }
    { const a = (f[p + 7 + sf] - f[p + 7 - sf]) * mf; const b = (g[p + 7 + sg] - g[p + 7 - sg]) * mg; out[p + 7] = Math.sqrt(a * a + b * b); }
  }
}
// biome-ignore format: one term a line
function norm3Times(out: Float64Array, p0: number, p1: number, f: In, sf0: number, mf: number, g: In, sg0: number, mg: number, h: In, sh0: number, mh: number): void {
  const i0 = p0 & 0x3fffffff, i1 = p1 & 0x3fffffff, sf = sf0 & 0x3fffffff, sg = sg0 & 0x3fffffff, sh = sh0 & 0x3fffffff;
  let p = i0;
  for (const head = p + ((i1 - p) & 7); p < head && p < i1; p++) { const a = (f[p + sf] - f[p - sf]) * mf; const b = (g[p + sg] - g[p - sg]) * mg; const c = (h[p + sh] - h[p - sh]) * mh; out[p] = Math.sqrt(a * a + b * b + c * c); }
  for (; p < i1; p += 8) {
    { const a = (f[p + sf] - f[p - sf]) * mf; const b = (g[p + sg] - g[p - sg]) * mg; const c = (h[p + sh] - h[p - sh]) * mh; out[p] = Math.sqrt(a * a + b * b + c * c); }
    { const a = (f[p + 1 + sf] - f[p + 1 - sf]) * mf; const b = (g[p + 1 + sg] - g[p + 1 - sg]) * mg; const c = (h[p + 1 + sh] - h[p + 1 - sh]) * mh; out[p + 1] = Math.sqrt(a * a + b * b + c * c); }
    { const a = (f[p + 2 + sf] - f[p + 2 - sf]) * mf; const b = (g[p + 2 + sg] - g[p + 2 - sg]) * mg; const c = (h[p + 2 + sh] - h[p + 2 - sh]) * mh; out[p + 2] = Math.sqrt(a * a + b * b + c * c); }
    { const a = (f[p + 3 + sf] - f[p + 3 - sf]) * mf; const b = (g[p + 3 + sg] - g[p + 3 - sg]) * mg; const c = (h[p + 3 + sh] - h[p + 3 - sh]) * mh; out[p + 3] = Math.sqrt(a * a + b * b + c * c); }
    { const a = (f[p + 4 + sf] - f[p + 4 - sf]) * mf; const b = (g[p + 4 + sg] - g[p + 4 - sg]) * mg; const c = (h[p + 4 + sh] - h[p + 4 - sh]) * mh; out[p + 4] = Math.sqrt(a * a + b * b + c * c); }
    { const a = (f[p + 5 + sf] - f[p + 5 - sf]) * mf; const b = (g[p + 5 + sg] - g[p + 5 - sg]) * mg; const c = (h[p + 5 + sh] - h[p + 5 - sh]) * mh; out[p + 5] = Math.sqrt(a * a + b * b + c * c); }
    { const a = (f[p + 6 + sf] - f[p + 6 - sf]) * mf; const b = (g[p + 6 + sg] - g[p + 6 - sg]) * mg; const c = (h[p + 6 + sh] - h[p + 6 - sh]) * mh; out[p + 6] = Math.sqrt(a * a + b * b + c * c); }
    { const a = (f[p + 7 + sf] - f[p + 7 - sf]) * mf; const b = (g[p + 7 + sg] - g[p + 7 - sg]) * mg; const c = (h[p + 7 + sh] - h[p + 7 - sh]) * mh; out[p + 7] = Math.sqrt(a * a + b * b + c * c); }
  }
}
function norm1Over(out: Float64Array, p0: number, p1: number, f: In, sf: number, hf: number): void {
  for (let p = p0; p < p1; p++) {
    const a = (f[p + sf] - f[p - sf]) / hf;
    out[p] = Math.sqrt(a * a);
  }
}
// biome-ignore format: one term a line
function norm2Over(out: Float64Array, p0: number, p1: number, f: In, sf0: number, hf: number, g: In, sg0: number, hg: number): void {
  const i0 = p0 & 0x3fffffff, i1 = p1 & 0x3fffffff, sf = sf0 & 0x3fffffff, sg = sg0 & 0x3fffffff;
  let p = i0;
  for (const head = p + ((i1 - p) & 7); p < head && p < i1; p++) { const a = (f[p + sf] - f[p - sf]) / hf; const b = (g[p + sg] - g[p - sg]) / hg; out[p] = Math.sqrt(a * a + b * b); }
  for (; p < i1; p += 8) {
    { const a = (f[p + sf] - f[p - sf]) / hf; const b = (g[p + sg] - g[p - sg]) / hg; out[p] = Math.sqrt(a * a + b * b); }
    { const a = (f[p + 1 + sf] - f[p + 1 - sf]) / hf; const b = (g[p + 1 + sg] - g[p + 1 - sg]) / hg; out[p + 1] = Math.sqrt(a * a + b * b); }
    { const a = (f[p + 2 + sf] - f[p + 2 - sf]) / hf; const b = (g[p + 2 + sg] - g[p + 2 - sg]) / hg; out[p + 2] = Math.sqrt(a * a + b * b); }
    { const a = (f[p + 3 + sf] - f[p + 3 - sf]) / hf; const b = (g[p + 3 + sg] - g[p + 3 - sg]) / hg; out[p + 3] = Math.sqrt(a * a + b * b); }
    { const a = (f[p + 4 + sf] - f[p + 4 - sf]) / hf; const b = (g[p + 4 + sg] - g[p + 4 - sg]) / hg; out[p + 4] = Math.sqrt(a * a + b * b); }
    { const a = (f[p + 5 + sf] - f[p + 5 - sf]) / hf; const b = (g[p + 5 + sg] - g[p + 5 - sg]) / hg; out[p + 5] = Math.sqrt(a * a + b * b); }
    { const a = (f[p + 6 + sf] - f[p + 6 - sf]) / hf; const b = (g[p + 6 + sg] - g[p + 6 - sg]) / hg; out[p + 6] = Math.sqrt(a * a + b * b); }
    { const a = (f[p + 7 + sf] - f[p + 7 - sf]) / hf; const b = (g[p + 7 + sg] - g[p + 7 - sg]) / hg; out[p + 7] = Math.sqrt(a * a + b * b); }
  }
}
// biome-ignore format: one term a line
function norm3Over(out: Float64Array, p0: number, p1: number, f: In, sf0: number, hf: number, g: In, sg0: number, hg: number, h: In, sh0: number, hh: number): void {
  const i0 = p0 & 0x3fffffff, i1 = p1 & 0x3fffffff, sf = sf0 & 0x3fffffff, sg = sg0 & 0x3fffffff, sh = sh0 & 0x3fffffff;
  let p = i0;
  for (const head = p + ((i1 - p) & 7); p < head && p < i1; p++) { const a = (f[p + sf] - f[p - sf]) / hf; const b = (g[p + sg] - g[p - sg]) / hg; const c = (h[p + sh] - h[p - sh]) / hh; out[p] = Math.sqrt(a * a + b * b + c * c); }
  for (; p < i1; p += 8) {
    { const a = (f[p + sf] - f[p - sf]) / hf; const b = (g[p + sg] - g[p - sg]) / hg; const c = (h[p + sh] - h[p - sh]) / hh; out[p] = Math.sqrt(a * a + b * b + c * c); }
    { const a = (f[p + 1 + sf] - f[p + 1 - sf]) / hf; const b = (g[p + 1 + sg] - g[p + 1 - sg]) / hg; const c = (h[p + 1 + sh] - h[p + 1 - sh]) / hh; out[p + 1] = Math.sqrt(a * a + b * b + c * c); }
    { const a = (f[p + 2 + sf] - f[p + 2 - sf]) / hf; const b = (g[p + 2 + sg] - g[p + 2 - sg]) / hg; const c = (h[p + 2 + sh] - h[p + 2 - sh]) / hh; out[p + 2] = Math.sqrt(a * a + b * b + c * c); }
    { const a = (f[p + 3 + sf] - f[p + 3 - sf]) / hf; const b = (g[p + 3 + sg] - g[p + 3 - sg]) / hg; const c = (h[p + 3 + sh] - h[p + 3 - sh]) / hh; out[p + 3] = Math.sqrt(a * a + b * b + c * c); }
    { const a = (f[p + 4 + sf] - f[p + 4 - sf]) / hf; const b = (g[p + 4 + sg] - g[p + 4 - sg]) / hg; const c = (h[p + 4 + sh] - h[p + 4 - sh]) / hh; out[p + 4] = Math.sqrt(a * a + b * b + c * c); }
    { const a = (f[p + 5 + sf] - f[p + 5 - sf]) / hf; const b = (g[p + 5 + sg] - g[p + 5 - sg]) / hg; const c = (h[p + 5 + sh] - h[p + 5 - sh]) / hh; out[p + 5] = Math.sqrt(a * a + b * b + c * c); }
    { const a = (f[p + 6 + sf] - f[p + 6 - sf]) / hf; const b = (g[p + 6 + sg] - g[p + 6 - sg]) / hg; const c = (h[p + 6 + sh] - h[p + 6 - sh]) / hh; out[p + 6] = Math.sqrt(a * a + b * b + c * c); }
    { const a = (f[p + 7 + sf] - f[p + 7 - sf]) / hf; const b = (g[p + 7 + sg] - g[p + 7 - sg]) / hg; const c = (h[p + 7 + sh] - h[p + 7 - sh]) / hh; out[p + 7] = Math.sqrt(a * a + b * b + c * c); }
  }
}

// The Laplacian's interior loops: one to three second differences of one input, added to 0 in order.
function second1(out: Float64Array, p0: number, p1: number, f: In, sx: number, cx: number): void {
  for (let p = p0; p < p1; p++) out[p] = 0 + (f[p + sx] - 2 * f[p] + f[p - sx]) * cx;
}
// The Laplacian has one input: the second and third terms' are the first's.
// biome-ignore format: one term a line
function second2(out: Float64Array, p0: number, p1: number, f: In, sx0: number, cx: number, _g: In, sy0: number, cy: number): void {
  const i0 = p0 & 0x3fffffff, i1 = p1 & 0x3fffffff, sx = sx0 & 0x3fffffff, sy = sy0 & 0x3fffffff;
  let p = i0;
  for (const head = p + ((i1 - p) & 7); p < head && p < i1; p++) out[p] = 0 + (f[p + sx] - 2 * f[p] + f[p - sx]) * cx + (f[p + sy] - 2 * f[p] + f[p - sy]) * cy;
  for (; p < i1; p += 8) {
    out[p] = 0 + (f[p + sx] - 2 * f[p] + f[p - sx]) * cx + (f[p + sy] - 2 * f[p] + f[p - sy]) * cy;
    out[p + 1] = 0 + (f[p + 1 + sx] - 2 * f[p + 1] + f[p + 1 - sx]) * cx + (f[p + 1 + sy] - 2 * f[p + 1] + f[p + 1 - sy]) * cy;
    out[p + 2] = 0 + (f[p + 2 + sx] - 2 * f[p + 2] + f[p + 2 - sx]) * cx + (f[p + 2 + sy] - 2 * f[p + 2] + f[p + 2 - sy]) * cy;
    out[p + 3] = 0 + (f[p + 3 + sx] - 2 * f[p + 3] + f[p + 3 - sx]) * cx + (f[p + 3 + sy] - 2 * f[p + 3] + f[p + 3 - sy]) * cy;
    out[p + 4] = 0 + (f[p + 4 + sx] - 2 * f[p + 4] + f[p + 4 - sx]) * cx + (f[p + 4 + sy] - 2 * f[p + 4] + f[p + 4 - sy]) * cy;
    out[p + 5] = 0 + (f[p + 5 + sx] - 2 * f[p + 5] + f[p + 5 - sx]) * cx + (f[p + 5 + sy] - 2 * f[p + 5] + f[p + 5 - sy]) * cy;
    out[p + 6] = 0 + (f[p + 6 + sx] - 2 * f[p + 6] + f[p + 6 - sx]) * cx + (f[p + 6 + sy] - 2 * f[p + 6] + f[p + 6 - sy]) * cy;
    out[p + 7] = 0 + (f[p + 7 + sx] - 2 * f[p + 7] + f[p + 7 - sx]) * cx + (f[p + 7 + sy] - 2 * f[p + 7] + f[p + 7 - sy]) * cy;
  }
}
// biome-ignore format: one term a line
function second3(out: Float64Array, p0: number, p1: number, f: In, sx0: number, cx: number, _g: In, sy0: number, cy: number, _h: In, sz0: number, cz: number): void {
  const i0 = p0 & 0x3fffffff, i1 = p1 & 0x3fffffff, sx = sx0 & 0x3fffffff, sy = sy0 & 0x3fffffff, sz = sz0 & 0x3fffffff;
  let p = i0;
  for (const head = p + ((i1 - p) & 7); p < head && p < i1; p++) out[p] = 0 + (f[p + sx] - 2 * f[p] + f[p - sx]) * cx + (f[p + sy] - 2 * f[p] + f[p - sy]) * cy + (f[p + sz] - 2 * f[p] + f[p - sz]) * cz;
  for (; p < i1; p += 8) {
    out[p] = 0 + (f[p + sx] - 2 * f[p] + f[p - sx]) * cx + (f[p + sy] - 2 * f[p] + f[p - sy]) * cy + (f[p + sz] - 2 * f[p] + f[p - sz]) * cz;
    out[p + 1] = 0 + (f[p + 1 + sx] - 2 * f[p + 1] + f[p + 1 - sx]) * cx + (f[p + 1 + sy] - 2 * f[p + 1] + f[p + 1 - sy]) * cy + (f[p + 1 + sz] - 2 * f[p + 1] + f[p + 1 - sz]) * cz;
    out[p + 2] = 0 + (f[p + 2 + sx] - 2 * f[p + 2] + f[p + 2 - sx]) * cx + (f[p + 2 + sy] - 2 * f[p + 2] + f[p + 2 - sy]) * cy + (f[p + 2 + sz] - 2 * f[p + 2] + f[p + 2 - sz]) * cz;
    out[p + 3] = 0 + (f[p + 3 + sx] - 2 * f[p + 3] + f[p + 3 - sx]) * cx + (f[p + 3 + sy] - 2 * f[p + 3] + f[p + 3 - sy]) * cy + (f[p + 3 + sz] - 2 * f[p + 3] + f[p + 3 - sz]) * cz;
    out[p + 4] = 0 + (f[p + 4 + sx] - 2 * f[p + 4] + f[p + 4 - sx]) * cx + (f[p + 4 + sy] - 2 * f[p + 4] + f[p + 4 - sy]) * cy + (f[p + 4 + sz] - 2 * f[p + 4] + f[p + 4 - sz]) * cz;
    out[p + 5] = 0 + (f[p + 5 + sx] - 2 * f[p + 5] + f[p + 5 - sx]) * cx + (f[p + 5 + sy] - 2 * f[p + 5] + f[p + 5 - sy]) * cy + (f[p + 5 + sz] - 2 * f[p + 5] + f[p + 5 - sz]) * cz;
    out[p + 6] = 0 + (f[p + 6 + sx] - 2 * f[p + 6] + f[p + 6 - sx]) * cx + (f[p + 6 + sy] - 2 * f[p + 6] + f[p + 6 - sy]) * cy + (f[p + 6 + sz] - 2 * f[p + 6] + f[p + 6 - sz]) * cz;
    out[p + 7] = 0 + (f[p + 7 + sx] - 2 * f[p + 7] + f[p + 7 - sx]) * cx + (f[p + 7 + sy] - 2 * f[p + 7] + f[p + 7 - sy]) * cy + (f[p + 7 + sz] - 2 * f[p + 7] + f[p + 7 - sz]) * cz;
  }
}

/** The interior loops of each mode, as products (by 1/(2h)) and as quotients (by 2h); second differences always multiply. */
const CENTRAL: Record<Mode, { readonly times: Kernels; readonly over: Kernels }> = {
  sum: { times: [times1, times2, times3], over: [over1, over2, over3] },
  norm: { times: [norm1Times, norm2Times, norm3Times], over: [norm1Over, norm2Over, norm3Over] },
  laplacian: { times: [second1, second2, second3], over: [second1, second2, second3] },
};

// Fourth order's interior loops: one to three five-point terms summed, or √ of their squares summed, in
// order; always quotients by ±12h. Unrolled (twentieth session; 1024² into `out`, eight processes a build
// alternating): the magnitude 0.90× (paired ratios 0.83–0.98), the divergence 0.77× (0.57–1.28); 128³'s
// divergence 0.93× (0.83–0.94). The norm of three is left to the slabs (derived.ts rowForm), so it stays plain.
function fourthSum1(out: Float64Array, p0: number, p1: number, f: In, sf: number, hf: number): void {
  for (let p = p0; p < p1; p++) out[p] = (-f[p + 2 * sf] + 8 * f[p + sf] - 8 * f[p - sf] + f[p - 2 * sf]) / hf;
}
// biome-ignore format: one term a line
function fourthSum2(out: Float64Array, p0: number, p1: number, f: In, sf0: number, hf: number, g: In, sg0: number, hg: number): void {
  const i0 = p0 & 0x3fffffff, i1 = p1 & 0x3fffffff, sf = sf0 & 0x1fffffff, sg = sg0 & 0x1fffffff;
  let p = i0;
  for (const head = p + ((i1 - p) & 7); p < head && p < i1; p++) {
    out[p] = (-f[p + 2 * sf] + 8 * f[p + sf] - 8 * f[p - sf] + f[p - 2 * sf]) / hf + (-g[p + 2 * sg] + 8 * g[p + sg] - 8 * g[p - sg] + g[p - 2 * sg]) / hg;
  }
  for (; p < i1; p += 8) {
    out[p] = (-f[p + 2 * sf] + 8 * f[p + sf] - 8 * f[p - sf] + f[p - 2 * sf]) / hf + (-g[p + 2 * sg] + 8 * g[p + sg] - 8 * g[p - sg] + g[p - 2 * sg]) / hg;
    out[p + 1] = (-f[p + 1 + 2 * sf] + 8 * f[p + 1 + sf] - 8 * f[p + 1 - sf] + f[p + 1 - 2 * sf]) / hf + (-g[p + 1 + 2 * sg] + 8 * g[p + 1 + sg] - 8 * g[p + 1 - sg] + g[p + 1 - 2 * sg]) / hg;
    out[p + 2] = (-f[p + 2 + 2 * sf] + 8 * f[p + 2 + sf] - 8 * f[p + 2 - sf] + f[p + 2 - 2 * sf]) / hf + (-g[p + 2 + 2 * sg] + 8 * g[p + 2 + sg] - 8 * g[p + 2 - sg] + g[p + 2 - 2 * sg]) / hg;
    out[p + 3] = (-f[p + 3 + 2 * sf] + 8 * f[p + 3 + sf] - 8 * f[p + 3 - sf] + f[p + 3 - 2 * sf]) / hf + (-g[p + 3 + 2 * sg] + 8 * g[p + 3 + sg] - 8 * g[p + 3 - sg] + g[p + 3 - 2 * sg]) / hg;
    out[p + 4] = (-f[p + 4 + 2 * sf] + 8 * f[p + 4 + sf] - 8 * f[p + 4 - sf] + f[p + 4 - 2 * sf]) / hf + (-g[p + 4 + 2 * sg] + 8 * g[p + 4 + sg] - 8 * g[p + 4 - sg] + g[p + 4 - 2 * sg]) / hg;
    out[p + 5] = (-f[p + 5 + 2 * sf] + 8 * f[p + 5 + sf] - 8 * f[p + 5 - sf] + f[p + 5 - 2 * sf]) / hf + (-g[p + 5 + 2 * sg] + 8 * g[p + 5 + sg] - 8 * g[p + 5 - sg] + g[p + 5 - 2 * sg]) / hg;
    out[p + 6] = (-f[p + 6 + 2 * sf] + 8 * f[p + 6 + sf] - 8 * f[p + 6 - sf] + f[p + 6 - 2 * sf]) / hf + (-g[p + 6 + 2 * sg] + 8 * g[p + 6 + sg] - 8 * g[p + 6 - sg] + g[p + 6 - 2 * sg]) / hg;
    out[p + 7] = (-f[p + 7 + 2 * sf] + 8 * f[p + 7 + sf] - 8 * f[p + 7 - sf] + f[p + 7 - 2 * sf]) / hf + (-g[p + 7 + 2 * sg] + 8 * g[p + 7 + sg] - 8 * g[p + 7 - sg] + g[p + 7 - 2 * sg]) / hg;
  }
}
// biome-ignore format: one term a line
function fourthSum3(out: Float64Array, p0: number, p1: number, f: In, sf0: number, hf: number, g: In, sg0: number, hg: number, h: In, sh0: number, hh: number): void {
  const i0 = p0 & 0x3fffffff, i1 = p1 & 0x3fffffff, sf = sf0 & 0x1fffffff, sg = sg0 & 0x1fffffff, sh = sh0 & 0x1fffffff;
  let p = i0;
  for (const head = p + ((i1 - p) & 7); p < head && p < i1; p++) {
    out[p] = (-f[p + 2 * sf] + 8 * f[p + sf] - 8 * f[p - sf] + f[p - 2 * sf]) / hf + (-g[p + 2 * sg] + 8 * g[p + sg] - 8 * g[p - sg] + g[p - 2 * sg]) / hg + (-h[p + 2 * sh] + 8 * h[p + sh] - 8 * h[p - sh] + h[p - 2 * sh]) / hh;
  }
  for (; p < i1; p += 8) {
    out[p] = (-f[p + 2 * sf] + 8 * f[p + sf] - 8 * f[p - sf] + f[p - 2 * sf]) / hf + (-g[p + 2 * sg] + 8 * g[p + sg] - 8 * g[p - sg] + g[p - 2 * sg]) / hg + (-h[p + 2 * sh] + 8 * h[p + sh] - 8 * h[p - sh] + h[p - 2 * sh]) / hh;
    out[p + 1] = (-f[p + 1 + 2 * sf] + 8 * f[p + 1 + sf] - 8 * f[p + 1 - sf] + f[p + 1 - 2 * sf]) / hf + (-g[p + 1 + 2 * sg] + 8 * g[p + 1 + sg] - 8 * g[p + 1 - sg] + g[p + 1 - 2 * sg]) / hg + (-h[p + 1 + 2 * sh] + 8 * h[p + 1 + sh] - 8 * h[p + 1 - sh] + h[p + 1 - 2 * sh]) / hh;
    out[p + 2] = (-f[p + 2 + 2 * sf] + 8 * f[p + 2 + sf] - 8 * f[p + 2 - sf] + f[p + 2 - 2 * sf]) / hf + (-g[p + 2 + 2 * sg] + 8 * g[p + 2 + sg] - 8 * g[p + 2 - sg] + g[p + 2 - 2 * sg]) / hg + (-h[p + 2 + 2 * sh] + 8 * h[p + 2 + sh] - 8 * h[p + 2 - sh] + h[p + 2 - 2 * sh]) / hh;
    out[p + 3] = (-f[p + 3 + 2 * sf] + 8 * f[p + 3 + sf] - 8 * f[p + 3 - sf] + f[p + 3 - 2 * sf]) / hf + (-g[p + 3 + 2 * sg] + 8 * g[p + 3 + sg] - 8 * g[p + 3 - sg] + g[p + 3 - 2 * sg]) / hg + (-h[p + 3 + 2 * sh] + 8 * h[p + 3 + sh] - 8 * h[p + 3 - sh] + h[p + 3 - 2 * sh]) / hh;
    out[p + 4] = (-f[p + 4 + 2 * sf] + 8 * f[p + 4 + sf] - 8 * f[p + 4 - sf] + f[p + 4 - 2 * sf]) / hf + (-g[p + 4 + 2 * sg] + 8 * g[p + 4 + sg] - 8 * g[p + 4 - sg] + g[p + 4 - 2 * sg]) / hg + (-h[p + 4 + 2 * sh] + 8 * h[p + 4 + sh] - 8 * h[p + 4 - sh] + h[p + 4 - 2 * sh]) / hh;
    out[p + 5] = (-f[p + 5 + 2 * sf] + 8 * f[p + 5 + sf] - 8 * f[p + 5 - sf] + f[p + 5 - 2 * sf]) / hf + (-g[p + 5 + 2 * sg] + 8 * g[p + 5 + sg] - 8 * g[p + 5 - sg] + g[p + 5 - 2 * sg]) / hg + (-h[p + 5 + 2 * sh] + 8 * h[p + 5 + sh] - 8 * h[p + 5 - sh] + h[p + 5 - 2 * sh]) / hh;
    out[p + 6] = (-f[p + 6 + 2 * sf] + 8 * f[p + 6 + sf] - 8 * f[p + 6 - sf] + f[p + 6 - 2 * sf]) / hf + (-g[p + 6 + 2 * sg] + 8 * g[p + 6 + sg] - 8 * g[p + 6 - sg] + g[p + 6 - 2 * sg]) / hg + (-h[p + 6 + 2 * sh] + 8 * h[p + 6 + sh] - 8 * h[p + 6 - sh] + h[p + 6 - 2 * sh]) / hh;
    out[p + 7] = (-f[p + 7 + 2 * sf] + 8 * f[p + 7 + sf] - 8 * f[p + 7 - sf] + f[p + 7 - 2 * sf]) / hf + (-g[p + 7 + 2 * sg] + 8 * g[p + 7 + sg] - 8 * g[p + 7 - sg] + g[p + 7 - 2 * sg]) / hg + (-h[p + 7 + 2 * sh] + 8 * h[p + 7 + sh] - 8 * h[p + 7 - sh] + h[p + 7 - 2 * sh]) / hh;
  }
}
function fourthNorm1(out: Float64Array, p0: number, p1: number, f: In, sf: number, hf: number): void {
  for (let p = p0; p < p1; p++) {
    const a = (-f[p + 2 * sf] + 8 * f[p + sf] - 8 * f[p - sf] + f[p - 2 * sf]) / hf;
    out[p] = Math.sqrt(a * a);
  }
}
// biome-ignore format: one term a line
function fourthNorm2(out: Float64Array, p0: number, p1: number, f: In, sf0: number, hf: number, g: In, sg0: number, hg: number): void {
  const i0 = p0 & 0x3fffffff, i1 = p1 & 0x3fffffff, sf = sf0 & 0x1fffffff, sg = sg0 & 0x1fffffff;
  let p = i0;
  for (const head = p + ((i1 - p) & 7); p < head && p < i1; p++) {
    const a0 = (-f[p + 2 * sf] + 8 * f[p + sf] - 8 * f[p - sf] + f[p - 2 * sf]) / hf;
    const b0 = (-g[p + 2 * sg] + 8 * g[p + sg] - 8 * g[p - sg] + g[p - 2 * sg]) / hg;
    out[p] = Math.sqrt(a0 * a0 + b0 * b0);
  }
  for (; p < i1; p += 8) {
    const a0 = (-f[p + 2 * sf] + 8 * f[p + sf] - 8 * f[p - sf] + f[p - 2 * sf]) / hf;
    const b0 = (-g[p + 2 * sg] + 8 * g[p + sg] - 8 * g[p - sg] + g[p - 2 * sg]) / hg;
    out[p] = Math.sqrt(a0 * a0 + b0 * b0);
    const a1 = (-f[p + 1 + 2 * sf] + 8 * f[p + 1 + sf] - 8 * f[p + 1 - sf] + f[p + 1 - 2 * sf]) / hf;
    const b1 = (-g[p + 1 + 2 * sg] + 8 * g[p + 1 + sg] - 8 * g[p + 1 - sg] + g[p + 1 - 2 * sg]) / hg;
    out[p + 1] = Math.sqrt(a1 * a1 + b1 * b1);
    const a2 = (-f[p + 2 + 2 * sf] + 8 * f[p + 2 + sf] - 8 * f[p + 2 - sf] + f[p + 2 - 2 * sf]) / hf;
    const b2 = (-g[p + 2 + 2 * sg] + 8 * g[p + 2 + sg] - 8 * g[p + 2 - sg] + g[p + 2 - 2 * sg]) / hg;
    out[p + 2] = Math.sqrt(a2 * a2 + b2 * b2);
    const a3 = (-f[p + 3 + 2 * sf] + 8 * f[p + 3 + sf] - 8 * f[p + 3 - sf] + f[p + 3 - 2 * sf]) / hf;
    const b3 = (-g[p + 3 + 2 * sg] + 8 * g[p + 3 + sg] - 8 * g[p + 3 - sg] + g[p + 3 - 2 * sg]) / hg;
    out[p + 3] = Math.sqrt(a3 * a3 + b3 * b3);
    const a4 = (-f[p + 4 + 2 * sf] + 8 * f[p + 4 + sf] - 8 * f[p + 4 - sf] + f[p + 4 - 2 * sf]) / hf;
    const b4 = (-g[p + 4 + 2 * sg] + 8 * g[p + 4 + sg] - 8 * g[p + 4 - sg] + g[p + 4 - 2 * sg]) / hg;
    out[p + 4] = Math.sqrt(a4 * a4 + b4 * b4);
    const a5 = (-f[p + 5 + 2 * sf] + 8 * f[p + 5 + sf] - 8 * f[p + 5 - sf] + f[p + 5 - 2 * sf]) / hf;
    const b5 = (-g[p + 5 + 2 * sg] + 8 * g[p + 5 + sg] - 8 * g[p + 5 - sg] + g[p + 5 - 2 * sg]) / hg;
    out[p + 5] = Math.sqrt(a5 * a5 + b5 * b5);
    const a6 = (-f[p + 6 + 2 * sf] + 8 * f[p + 6 + sf] - 8 * f[p + 6 - sf] + f[p + 6 - 2 * sf]) / hf;
    const b6 = (-g[p + 6 + 2 * sg] + 8 * g[p + 6 + sg] - 8 * g[p + 6 - sg] + g[p + 6 - 2 * sg]) / hg;
    out[p + 6] = Math.sqrt(a6 * a6 + b6 * b6);
    const a7 = (-f[p + 7 + 2 * sf] + 8 * f[p + 7 + sf] - 8 * f[p + 7 - sf] + f[p + 7 - 2 * sf]) / hf;
    const b7 = (-g[p + 7 + 2 * sg] + 8 * g[p + 7 + sg] - 8 * g[p + 7 - sg] + g[p + 7 - 2 * sg]) / hg;
    out[p + 7] = Math.sqrt(a7 * a7 + b7 * b7);
  }
}
// biome-ignore format: one term a line
function fourthNorm3(out: Float64Array, p0: number, p1: number, f: In, sf: number, hf: number, g: In, sg: number, hg: number, h: In, sh: number, hh: number): void {
  for (let p = p0; p < p1; p++) {
    const a = (-f[p + 2 * sf] + 8 * f[p + sf] - 8 * f[p - sf] + f[p - 2 * sf]) / hf;
    const b = (-g[p + 2 * sg] + 8 * g[p + sg] - 8 * g[p - sg] + g[p - 2 * sg]) / hg;
    const c = (-h[p + 2 * sh] + 8 * h[p + sh] - 8 * h[p - sh] + h[p - 2 * sh]) / hh;
    out[p] = Math.sqrt(a * a + b * b + c * c);
  }
}

/** Fourth order's interior loops of the sum and the norm (the Laplacian is second order only). */
const FOURTH: Record<'sum' | 'norm', Kernels> = {
  sum: [fourthSum1, fourthSum2, fourthSum3],
  norm: [fourthNorm1, fourthNorm2, fourthNorm3],
};
