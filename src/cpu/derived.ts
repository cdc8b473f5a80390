import { checkComponentCount, checkLaplacian } from '../components.js';
import { isGhost, makePlan, type Plan } from '../plan.js';
import type { GradientOptions, NumericArray } from '../types.js';
import type { NdarrayLike } from '../view.js';
import { gradientAlong } from './gradient.js';
import { gridResults } from './grid.js';
import { cpuComponents, cpuInput } from './input.js';
import { kernelInput, kernelInputs } from './kernel-input.js';
import { forEachLine, ghost, isView, type Values } from './lines.js';

/**
 * Float64 references of the fused fields, composed from per-axis derivatives exactly as defined.
 * Axis convention: selected axis k is coordinate x_k, and component k of a vector field is its
 * x_k component (array axes, not x/y names).
 */

/** √(Σ_k (∂f/∂x_k)²) over the selected axes. */
export function cpuGradientMagnitude(data: NumericArray | NdarrayLike, options?: GradientOptions): Float64Array {
  const { info, values } = cpuInput(data);
  return magnitudeOf(kernelInput(values), makePlan(info, options));
}

/** cpuGradientMagnitude on a plan (the registry's reference, operations.ts). */
export function magnitudeOf(data: Values, plan: Plan): Float64Array {
  if (plan.grid) return gridResults('magnitude', [data], plan)[0];
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
export function cpuDivergence(components: readonly (NumericArray | NdarrayLike)[], options?: GradientOptions): Float64Array {
  const { info, values } = cpuComponents(components);
  const plan = makePlan(info, options);
  checkComponentCount(plan, values.length, 'divergence');
  return divergenceOf(kernelInputs(values), plan);
}

/** cpuDivergence on a plan, its component count checked (the registry's reference). */
export function divergenceOf(list: readonly Values[], plan: Plan): Float64Array {
  if (plan.grid) return gridResults('divergence', list, plan)[0];
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
export function cpuCurl(components: readonly (NumericArray | NdarrayLike)[], options?: GradientOptions): Float64Array[] {
  const { info, values } = cpuComponents(components);
  const plan = makePlan(info, options);
  checkComponentCount(plan, values.length, 'curl');
  return curlOf(kernelInputs(values), plan);
}

/** cpuCurl on a plan, its component count checked (the registry's reference). */
export function curlOf(v: readonly Values[], plan: Plan): Float64Array[] {
  if (plan.grid) return gridResults(v.length === 2 ? 'curl2' : 'curl3', v, plan);
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
 * (f[i+1] − 2f[i] + f[i−1]) / h² inside; at an 'edge' side the second-order one-sided
 * (2f[0] − 5f[1] + 4f[2] − f[3]) / h², mirrored at the high end; wrapped when periodic; with a ghost
 * mode, the compact difference with the ghost value (scipy.ndimage.correlate1d with [1, −2, 1]/h²).
 * Uniform steps only.
 */
export function cpuLaplacian(data: NumericArray | NdarrayLike, options?: GradientOptions): Float64Array {
  const { info, values } = cpuInput(data);
  const plan = makePlan(info, options);
  checkLaplacian(plan);
  return laplacianOf(kernelInput(values), plan);
}

/** cpuLaplacian on a plan that passed checkLaplacian (the registry's reference). */
export function laplacianOf(data: Values, plan: Plan): Float64Array {
  const out = new Float64Array(plan.size);
  for (const ax of plan.axes) {
    const scale = 1 / (ax.step! * ax.step!);
    if (isView(data) || isGhost(ax.lo) || isGhost(ax.hi)) {
      forEachLine(data, ax, plan, out, true, (f, r) => secondDifference(f, ax, scale, r));
      continue;
    }
    const { n, inner: s, periodic } = ax;
    const f = (i: number) => (data as ArrayLike<number>)[i];
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

/** One line's second difference (times `scale`) into r, with the axis's sides: the per-line form of laplacianOf. */
function secondDifference(f: Float64Array, ax: Plan['axes'][number], scale: number, r: Float64Array): void {
  const n = f.length;
  const at = (i: number): number => {
    if (i >= 0 && i < n) return f[i];
    if (ax.periodic) return f[(i + n) % n];
    return i < 0 ? ghost(f, ax.lo, -i, (j) => j) : ghost(f, ax.hi, i - n + 1, (j) => n - 1 - j);
  };
  for (let i = 0; i < n; i++) {
    const edge = (i === 0 && ax.lo.mode === 'edge') || (i === n - 1 && ax.hi.mode === 'edge');
    if (edge) {
      const d = i === 0 ? 1 : -1;
      r[i] = (2 * f[i] - 5 * f[i + d] + 4 * f[i + 2 * d] - f[i + 3 * d]) * scale;
    } else r[i] = (at(i + 1) - 2 * f[i] + at(i - 1)) * scale;
  }
}
