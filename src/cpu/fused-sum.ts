import { type FusedAxis, type FusedPlan, forEachRun } from './fused.js';

/**
 * Sums of first derivatives in one pass, for the divergence, the curl and the magnitude on the plans the
 * gradient's fused pass takes (fused.ts): out = ±t_0 ± t_1 ± …, each term t one input's numpy stencil
 * along one selected axis, summed in the order given, or with `norm` √(t_0² + t_1² + …). Inside (every axis central) one loop computes the whole sum;
 * at the array's faces, each term is a pass of its own over the run, the first storing and the others
 * adding, so the order is the same everywhere. A term with sign −1 is computed with its factor or weights
 * negated: IEEE rounding is symmetric, so that is exactly −t, and a + (−t) is a − t, bit for bit.
 *
 * Measured on the 2-core VM of bench/NOTES.md (fourteenth session): see derived.ts divergenceOf.
 */

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
  /** ±1/(2h) (multiplied) or ±2h (divided by), as FusedPlan.multiply says. */
  readonly factor: number;
  /** One-sided stencils with the sign taken in: edge order 1 divides by ±lo, ±hi; order 2 weighs by ±a, ±b, ±c. */
  readonly lo: number;
  readonly hi: number;
  readonly wlo: readonly [number, number, number];
  readonly whi: readonly [number, number, number];
}

function resolve(inputs: readonly ArrayLike<number>[], fused: FusedPlan, term: SumTerm): Resolved {
  const axis = fused.along?.k === term.k ? fused.along : fused.across.find((a) => a.k === term.k);
  if (axis === undefined) throw new Error(`unreachable: no selected axis ${term.k}`);
  const { sign } = term;
  const { edge } = axis;
  const { lo, hi } = edge.w;
  return {
    f: inputs[term.input],
    axis,
    along: axis === fused.along,
    s: axis === fused.along ? 1 : axis.s,
    factor: sign * axis.factor,
    lo: sign * edge.lo,
    hi: sign * edge.hi,
    wlo: [sign * lo.a, sign * lo.b, sign * lo.c],
    whi: [sign * hi.a, sign * hi.b, sign * hi.c],
  };
}

/**
 * out = the sum of `terms` (with `norm`, the square root of the sum of their squares) at the positions
 * `b0..b1` of the first dimension (the whole array: 0..shape[0]).
 */
export function fusedSum(
  inputs: readonly ArrayLike<number>[],
  fused: FusedPlan,
  terms: readonly SumTerm[],
  out: Float64Array,
  b0: number,
  b1: number,
  norm = false,
): void {
  const resolved = terms.map((t) => resolve(inputs, fused, t));
  const line = fused.shape[fused.shape.length - 1];
  const multiply = fused.multiply;
  forEachRun(fused, b0, b1, (state, l0, l1) => {
    const p0 = l0 * line,
      p1 = l1 * line;
    if (state === 0 && resolved.length <= 3) {
      const hasAlong = fused.along !== null;
      const q0 = hasAlong ? p0 + 1 : p0,
        q1 = hasAlong ? p1 - 1 : p1;
      if (norm) centralNorm(resolved, multiply, out, q0, q1);
      else centralSum(resolved, multiply, out, q0, q1);
      if (hasAlong) for (let a = p0; a < p1; a += line) lineEnds(resolved, multiply, norm, out, a, a + line - 1);
      return;
    }
    resolved.forEach((r, t) => {
      if (r.along) alongPass(r, multiply, norm, out, t === 0, p0, p1, line);
      else termPass(r, digitOf(fused, state, r.axis), multiply, norm, out, t === 0, p0, p1);
    });
    if (norm) for (let p = p0; p < p1; p++) out[p] = Math.sqrt(out[p]);
  });
}

/** The stencil `state` gives an axis of `fused.across`: 0 central, 1 at its first position, 2 at its last. */
function digitOf(fused: FusedPlan, state: number, axis: FusedAxis): number {
  const j = fused.across.indexOf(axis);
  return Math.floor(state / 3 ** (fused.across.length - 1 - j)) % 3;
}

/** One to three terms, every one central, summed in one loop over p0..p1. */
function centralSum(r: readonly Resolved[], multiply: boolean, out: Float64Array, p0: number, p1: number): void {
  const [x, y, z] = r;
  if (r.length === 1) {
    if (multiply) times1(out, p0, p1, x.f, x.s, x.factor);
    else over1(out, p0, p1, x.f, x.s, x.factor);
  } else if (r.length === 2) {
    if (multiply) times2(out, p0, p1, x.f, x.s, x.factor, y.f, y.s, y.factor);
    else over2(out, p0, p1, x.f, x.s, x.factor, y.f, y.s, y.factor);
  } else if (multiply) times3(out, p0, p1, x.f, x.s, x.factor, y.f, y.s, y.factor, z.f, z.s, z.factor);
  else over3(out, p0, p1, x.f, x.s, x.factor, y.f, y.s, y.factor, z.f, z.s, z.factor);
}

/** The sum (or norm) at a line's two ends a and z, where the last dimension's term is one-sided and the others central. */
function lineEnds(r: readonly Resolved[], multiply: boolean, norm: boolean, out: Float64Array, a: number, z: number): void {
  let atA = 0,
    atZ = 0;
  for (let t = 0; t < r.length; t++) {
    const u = r[t];
    let va = u.along ? oneSided(u, false, a) : central(u, multiply, a);
    let vz = u.along ? oneSided(u, true, z) : central(u, multiply, z);
    if (norm) {
      va *= va;
      vz *= vz;
    }
    atA = t === 0 ? va : atA + va;
    atZ = t === 0 ? vz : atZ + vz;
  }
  out[a] = norm ? Math.sqrt(atA) : atA;
  out[z] = norm ? Math.sqrt(atZ) : atZ;
}

function central(u: Resolved, multiply: boolean, p: number): number {
  const { f, s } = u;
  return multiply ? (f[p + s] - f[p - s]) * u.factor : (f[p + s] - f[p - s]) / u.factor;
}

/** A term's one-sided stencil at p, at its axis's first (`hi` false) or last position. */
function oneSided(u: Resolved, hi: boolean, p: number): number {
  const { f, s } = u;
  if (u.axis.edge.order === 1) return hi ? (f[p] - f[p - s]) / u.hi : (f[p + s] - f[p]) / u.lo;
  if (hi) {
    const [a, b, c] = u.whi;
    return a * f[p - 2 * s] + b * f[p - s] + c * f[p];
  }
  const [a, b, c] = u.wlo;
  return a * f[p] + b * f[p + s] + c * f[p + 2 * s];
}

/**
 * A term of an axis other than the last dimension over p0..p1, all at one stencil (`digit`), stored
 * (`first`) or added, squared with `norm`: the faces' runs, and sums of more than three terms.
 */
// biome-ignore format: one case a line
function termPass(u: Resolved, digit: number, multiply: boolean, norm: boolean, out: Float64Array, first: boolean, p0: number, p1: number): void {
  if (digit === 0 && !norm) {
    const { f, s, factor } = u;
    if (multiply) {
      if (first) for (let p = p0; p < p1; p++) out[p] = (f[p + s] - f[p - s]) * factor;
      else for (let p = p0; p < p1; p++) out[p] += (f[p + s] - f[p - s]) * factor;
    } else if (first) for (let p = p0; p < p1; p++) out[p] = (f[p + s] - f[p - s]) / factor;
    else for (let p = p0; p < p1; p++) out[p] += (f[p + s] - f[p - s]) / factor;
    return;
  }
  const hi = digit === 2;
  for (let p = p0; p < p1; p++) {
    let v = digit === 0 ? central(u, multiply, p) : oneSided(u, hi, p);
    if (norm) v *= v;
    out[p] = first ? v : out[p] + v;
  }
}

/** The last dimension's term over the lines of p0..p1, stored (`first`) or added, squared with `norm`: central inside each line, one-sided at its ends. */
// biome-ignore format: one case a line
function alongPass(u: Resolved, multiply: boolean, norm: boolean, out: Float64Array, first: boolean, p0: number, p1: number, line: number): void {
  for (let a = p0; a < p1; a += line) {
    const z = a + line - 1;
    for (let p = a; p <= z; p++) {
      let v = p === a ? oneSided(u, false, p) : p === z ? oneSided(u, true, p) : central(u, multiply, p);
      if (norm) v *= v;
      out[p] = first ? v : out[p] + v;
    }
  }
}

/** One to three terms, every one central: √ of their squares summed, in one loop over p0..p1. */
function centralNorm(r: readonly Resolved[], multiply: boolean, out: Float64Array, p0: number, p1: number): void {
  const [x, y, z] = r;
  if (r.length === 1) {
    if (multiply) norm1Times(out, p0, p1, x.f, x.s, x.factor);
    else norm1Over(out, p0, p1, x.f, x.s, x.factor);
  } else if (r.length === 2) {
    if (multiply) norm2Times(out, p0, p1, x.f, x.s, x.factor, y.f, y.s, y.factor);
    else norm2Over(out, p0, p1, x.f, x.s, x.factor, y.f, y.s, y.factor);
  } else if (multiply) norm3Times(out, p0, p1, x.f, x.s, x.factor, y.f, y.s, y.factor, z.f, z.s, z.factor);
  else norm3Over(out, p0, p1, x.f, x.s, x.factor, y.f, y.s, y.factor, z.f, z.s, z.factor);
}

// The interior loops: one to three terms summed in order, as products or as quotients.
type In = ArrayLike<number>;
function times1(out: Float64Array, p0: number, p1: number, f: In, sf: number, mf: number): void {
  for (let p = p0; p < p1; p++) out[p] = (f[p + sf] - f[p - sf]) * mf;
}
// biome-ignore format: one term a line
function times2(out: Float64Array, p0: number, p1: number, f: In, sf: number, mf: number, g: In, sg: number, mg: number): void {
  for (let p = p0; p < p1; p++) out[p] = (f[p + sf] - f[p - sf]) * mf + (g[p + sg] - g[p - sg]) * mg;
}
// biome-ignore format: one term a line
function times3(out: Float64Array, p0: number, p1: number, f: In, sf: number, mf: number, g: In, sg: number, mg: number, h: In, sh: number, mh: number): void {
  for (let p = p0; p < p1; p++) out[p] = (f[p + sf] - f[p - sf]) * mf + (g[p + sg] - g[p - sg]) * mg + (h[p + sh] - h[p - sh]) * mh;
}
function over1(out: Float64Array, p0: number, p1: number, f: In, sf: number, hf: number): void {
  for (let p = p0; p < p1; p++) out[p] = (f[p + sf] - f[p - sf]) / hf;
}
// biome-ignore format: one term a line
function over2(out: Float64Array, p0: number, p1: number, f: In, sf: number, hf: number, g: In, sg: number, hg: number): void {
  for (let p = p0; p < p1; p++) out[p] = (f[p + sf] - f[p - sf]) / hf + (g[p + sg] - g[p - sg]) / hg;
}
// biome-ignore format: one term a line
function over3(out: Float64Array, p0: number, p1: number, f: In, sf: number, hf: number, g: In, sg: number, hg: number, h: In, sh: number, hh: number): void {
  for (let p = p0; p < p1; p++) out[p] = (f[p + sf] - f[p - sf]) / hf + (g[p + sg] - g[p - sg]) / hg + (h[p + sh] - h[p - sh]) / hh;
}

// The magnitude's interior loops: √ of one to three terms' squares summed in order.
function norm1Times(out: Float64Array, p0: number, p1: number, f: In, sf: number, mf: number): void {
  for (let p = p0; p < p1; p++) {
    const a = (f[p + sf] - f[p - sf]) * mf;
    out[p] = Math.sqrt(a * a);
  }
}
// biome-ignore format: one term a line
function norm2Times(out: Float64Array, p0: number, p1: number, f: In, sf: number, mf: number, g: In, sg: number, mg: number): void {
  for (let p = p0; p < p1; p++) {
    const a = (f[p + sf] - f[p - sf]) * mf;
    const b = (g[p + sg] - g[p - sg]) * mg;
    out[p] = Math.sqrt(a * a + b * b);
  }
}
// biome-ignore format: one term a line
function norm3Times(out: Float64Array, p0: number, p1: number, f: In, sf: number, mf: number, g: In, sg: number, mg: number, h: In, sh: number, mh: number): void {
  for (let p = p0; p < p1; p++) {
    const a = (f[p + sf] - f[p - sf]) * mf;
    const b = (g[p + sg] - g[p - sg]) * mg;
    const c = (h[p + sh] - h[p - sh]) * mh;
    out[p] = Math.sqrt(a * a + b * b + c * c);
  }
}
function norm1Over(out: Float64Array, p0: number, p1: number, f: In, sf: number, hf: number): void {
  for (let p = p0; p < p1; p++) {
    const a = (f[p + sf] - f[p - sf]) / hf;
    out[p] = Math.sqrt(a * a);
  }
}
// biome-ignore format: one term a line
function norm2Over(out: Float64Array, p0: number, p1: number, f: In, sf: number, hf: number, g: In, sg: number, hg: number): void {
  for (let p = p0; p < p1; p++) {
    const a = (f[p + sf] - f[p - sf]) / hf;
    const b = (g[p + sg] - g[p - sg]) / hg;
    out[p] = Math.sqrt(a * a + b * b);
  }
}
// biome-ignore format: one term a line
function norm3Over(out: Float64Array, p0: number, p1: number, f: In, sf: number, hf: number, g: In, sg: number, hg: number, h: In, sh: number, hh: number): void {
  for (let p = p0; p < p1; p++) {
    const a = (f[p + sf] - f[p - sf]) / hf;
    const b = (g[p + sg] - g[p - sg]) / hg;
    const c = (h[p + sh] - h[p - sh]) / hh;
    out[p] = Math.sqrt(a * a + b * b + c * c);
  }
}
