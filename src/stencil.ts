import type { AxisPlan } from './plan.js';

/** Three weights applied to three samples, in numpy's order. */
export interface Weights3 {
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

/**
 * numpy's second-order interior coefficients for non-uniform steps, for points 1..n−2:
 * out[i] = a[i−1]·f[i−1] + b[i−1]·f[i] + c[i−1]·f[i+1]. With periodic steps (dx of length n, the last
 * one wrapping around) the same formula covers every point 0..n−1: out[i] = a[i]·f[i−1] + … (indices mod n).
 */
export function interiorWeights(dx: Float64Array, periodic = false): { a: Float64Array; b: Float64Array; c: Float64Array } {
  const m = periodic ? dx.length : dx.length - 1;
  const a = new Float64Array(m),
    b = new Float64Array(m),
    c = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const dx1 = periodic ? dx[(i + m - 1) % m] : dx[i],
      dx2 = periodic ? dx[i] : dx[i + 1];
    a[i] = weightBefore(dx1, dx2);
    b[i] = weightAt(dx1, dx2);
    c[i] = weightAfter(dx1, dx2);
  }
  return { a, b, c };
}

/**
 * numpy's interior weights of f[i − 1], f[i] and f[i + 1] for the steps dx1 = x[i] − x[i − 1] and dx2 =
 * x[i + 1] − x[i], each as numpy computes it (interiorWeights' arrays, and the CPU's lines that compute
 * them as they go).
 */
export function weightBefore(dx1: number, dx2: number): number {
  return -dx2 / (dx1 * (dx1 + dx2));
}
export function weightAt(dx1: number, dx2: number): number {
  return (dx2 - dx1) / (dx1 * dx2);
}
export function weightAfter(dx1: number, dx2: number): number {
  return dx1 / (dx2 * (dx1 + dx2));
}

/** Step used by the first-order one-sided difference at the low (i = 0) and high (i = n−1) edge. */
export function edgeSteps(ax: AxisPlan): { lo: number; hi: number } {
  return ax.dx === null ? { lo: ax.step!, hi: ax.step! } : { lo: ax.dx[0], hi: ax.dx[ax.dx.length - 1] };
}

/**
 * numpy's second-order one-sided coefficients: `lo` applies to f[0], f[1], f[2];
 * `hi` to f[n−3], f[n−2], f[n−1].
 */
export function edgeWeights2(ax: AxisPlan): { lo: Weights3; hi: Weights3 } {
  if (ax.dx === null) {
    const h = ax.step!;
    return { lo: { a: -1.5 / h, b: 2 / h, c: -0.5 / h }, hi: { a: 0.5 / h, b: -2 / h, c: 1.5 / h } };
  }
  const d = ax.dx,
    m = d.length;
  return { lo: forwardWeights2(d[0], d[1]), hi: backwardWeights2(d[m - 2], d[m - 1]) };
}

/** numpy's second-order one-sided weights of f[i], f[i+1], f[i+2] from the steps dx1 = x[i+1] − x[i], dx2 = x[i+2] − x[i+1]. */
export function forwardWeights2(dx1: number, dx2: number): Weights3 {
  return { a: -(2 * dx1 + dx2) / (dx1 * (dx1 + dx2)), b: (dx1 + dx2) / (dx1 * dx2), c: -dx1 / (dx2 * (dx1 + dx2)) };
}

/** numpy's second-order one-sided weights of f[i−2], f[i−1], f[i] from the steps dx1 = x[i−1] − x[i−2], dx2 = x[i] − x[i−1]. */
export function backwardWeights2(dx1: number, dx2: number): Weights3 {
  return { a: dx2 / (dx1 * (dx1 + dx2)), b: -(dx2 + dx1) / (dx1 * dx2), c: (2 * dx2 + dx1) / (dx2 * (dx1 + dx2)) };
}
