import { checkComponentCount, checkLaplacian, describeComponents } from '../components.js';
import { describeData } from '../data.js';
import { makePlan, type Plan } from '../plan.js';
import type { GradientOptions, NumericArray } from '../types.js';
import { gradientAlong } from './gradient.js';

/**
 * Float64 references of the fused fields, composed from per-axis derivatives exactly as defined.
 * Axis convention: selected axis k is coordinate x_k, and component k of a vector field is its
 * x_k component (array axes, not x/y names).
 */

/** √(Σ_k (∂f/∂x_k)²) over the selected axes. */
export function cpuGradientMagnitude(data: NumericArray, options?: GradientOptions): Float64Array {
  return magnitudeOf(data, makePlan(describeData(data), options));
}

/** cpuGradientMagnitude on a plan (the registry's reference, operations.ts). */
export function magnitudeOf(data: NumericArray, plan: Plan): Float64Array {
  const out = new Float64Array(plan.size);
  const d = new Float64Array(plan.size);
  for (let k = 0; k < plan.axes.length; k++) {
    gradientAlong(data, plan, k, d);
    for (let i = 0; i < out.length; i++) out[i] += d[i] * d[i];
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(out[i]);
  return out;
}

/** Σ_k ∂v_k/∂x_k: components[k] is differentiated along the k-th selected axis. */
export function cpuDivergence(components: readonly NumericArray[], options?: GradientOptions): Float64Array {
  const { list, info } = describeComponents(components);
  const plan = makePlan(info, options);
  checkComponentCount(plan, list.length, 'divergence');
  return divergenceOf(list, plan);
}

/** cpuDivergence on a plan, its component count checked (the registry's reference). */
export function divergenceOf(list: readonly NumericArray[], plan: Plan): Float64Array {
  const out = new Float64Array(plan.size);
  const d = new Float64Array(plan.size);
  list.forEach((v, k) => {
    gradientAlong(v, plan, k, d);
    for (let i = 0; i < out.length; i++) out[i] += d[i];
  });
  return out;
}

/**
 * Curl over 2 or 3 selected axes (x_0, x_1[, x_2]) of components (v_0, v_1[, v_2]):
 * 2-D → [∂v_1/∂x_0 − ∂v_0/∂x_1]; 3-D → [∂v_2/∂x_1 − ∂v_1/∂x_2, ∂v_0/∂x_2 − ∂v_2/∂x_0, ∂v_1/∂x_0 − ∂v_0/∂x_1].
 */
export function cpuCurl(components: readonly NumericArray[], options?: GradientOptions): Float64Array[] {
  const { list, info } = describeComponents(components);
  const plan = makePlan(info, options);
  checkComponentCount(plan, list.length, 'curl');
  return curlOf(list, plan);
}

/** cpuCurl on a plan, its component count checked (the registry's reference). */
export function curlOf(v: readonly NumericArray[], plan: Plan): Float64Array[] {
  const d = (c: number, k: number) => gradientAlong(v[c], plan, k, new Float64Array(plan.size));
  const minus = (a: Float64Array, b: Float64Array) => {
    for (let i = 0; i < a.length; i++) a[i] -= b[i];
    return a;
  };
  if (v.length === 2) return [minus(d(1, 0), d(0, 1))];
  return [minus(d(2, 1), d(1, 2)), minus(d(0, 2), d(2, 0)), minus(d(1, 0), d(0, 1))];
}

/**
 * Σ_k ∂²f/∂x_k² over the selected axes, in float64: the compact second difference
 * (f[i+1] − 2f[i] + f[i−1]) / h² inside; at an edge (boundary 'edge') the second-order one-sided
 * (2f[0] − 5f[1] + 4f[2] − f[3]) / h², mirrored at the high end; wrapped when periodic. Uniform steps only.
 */
export function cpuLaplacian(data: NumericArray, options?: GradientOptions): Float64Array {
  const plan = makePlan(describeData(data), options);
  checkLaplacian(plan);
  return laplacianOf(data, plan);
}

/** cpuLaplacian on a plan that passed checkLaplacian (the registry's reference). */
export function laplacianOf(data: NumericArray, plan: Plan): Float64Array {
  const out = new Float64Array(plan.size);
  const f = (i: number) => (data as ArrayLike<number>)[i];
  for (const ax of plan.axes) {
    const { n, inner: s, periodic } = ax;
    const scale = 1 / (ax.step! * ax.step!);
    for (let e = 0; e < plan.size; e++) {
      const i = Math.floor(e / s) % n;
      let r: number;
      if (periodic) {
        const up = i + 1 < n ? e + s : e - (n - 1) * s;
        const dn = i > 0 ? e - s : e + (n - 1) * s;
        r = f(up) - 2 * f(e) + f(dn);
      } else if (i > 0 && i < n - 1) {
        r = f(e + s) - 2 * f(e) + f(e - s);
      } else {
        const d = i === 0 ? s : -s;
        r = 2 * f(e) - 5 * f(e + d) + 4 * f(e + 2 * d) - f(e + 3 * d);
      }
      out[e] += r * scale;
    }
  }
  return out;
}
